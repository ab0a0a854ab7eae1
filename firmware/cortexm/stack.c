/* Stack accounting from the painted stack (Reset_Handler fills it with 0xA5A5A5A5), and idling. */
#include "cortexm.h"
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

/* While waiting for console input: sleep until the next interrupt when the SysTick counter runs
 * (it bounds the sleep). Under QEMU this matters: a halted CPU lets QEMU's main loop deliver the
 * next received byte at once (some UART models never ask for more input themselves). Without
 * SysTick (DWT counter on real hardware) there may be no wake-up source: poll instead. */
void mf_runtime_idle(void)
{
    if (mf_cortexm_systick_running()) {
        __asm__ volatile("wfi" ::: "memory");
    }
}
