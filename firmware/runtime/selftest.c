/*
 * Deliberate failures for the `selftest` request (see selftest.h and docs/PROTOCOL.md). The one
 * target-specific instruction sequence lives in provoke_hardfault(); everything else is C99.
 */
#include "selftest.h"

#include <stdint.h>

#if defined(__ARM_ARCH_PROFILE) && __ARM_ARCH_PROFILE == 'M'
/* SVC with PRIMASK set: the execution priority (0) is not below SVCall's, so the exception cannot
 * be taken and escalates to HardFault (HFSR.FORCED) on every M-profile core, whether or not a
 * debugger is attached (a BKPT would halt under a debugger instead). */
static void provoke_hardfault(void)
{
    __asm__ volatile("cpsid i\n\tsvc #0" ::: "memory");
}
#else
static void provoke_hardfault(void)
{
    __builtin_trap();
}
#endif

void mf_selftest_hardfault(void)
{
    volatile uint32_t spin = 0u;

    provoke_hardfault();
    for (;;) {
        ++spin; /* not reached: the fault handler never returns */
    }
}

void mf_selftest_hang(void)
{
    volatile uint32_t spin = 0u;

    for (;;) {
        ++spin;
    }
}
