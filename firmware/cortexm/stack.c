/* Stack accounting from the painted stack (Reset_Handler fills it with 0xA5A5A5A5), and idling. */
#include "mcuforge/runtime.h"

extern uint32_t __stack_bottom__;
extern uint32_t __stack_top__;

#define MF_STACK_PAINT 0xA5A5A5A5u

uint32_t mf_stack_size(void)
{
    return (uint32_t)((uintptr_t)&__stack_top__ - (uintptr_t)&__stack_bottom__);
}

uint32_t mf_stack_used(void)
{
    const uint32_t *p = &__stack_bottom__;
    const uint32_t *top = &__stack_top__;
    while (p < top && *p == MF_STACK_PAINT) {
        ++p;
    }
    return (uint32_t)((uintptr_t)top - (uintptr_t)p);
}

void mf_runtime_idle(void)
{
}
