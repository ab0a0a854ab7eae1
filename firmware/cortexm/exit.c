/*
 * mf_board_exit() for Cortex-M: semihosting exit with the status code when asked (QEMU), else
 * park the core with interrupts masked.
 */
#include <stdint.h>

#include "cortexm.h"
#include "mcuforge/board.h"

#define SYS_EXIT 0x18u
#define SYS_EXIT_EXTENDED 0x20u
#define ADP_STOPPED_APPLICATION_EXIT 0x20026u
#define ADP_STOPPED_RUN_TIME_ERROR_UNKNOWN 0x20023u

void mf_board_exit(int code, int semihost)
{
    if (semihost != 0) {
        /* SYS_EXIT_EXTENDED carries the status code (QEMU exits with it). */
        const uint32_t block[2] = {ADP_STOPPED_APPLICATION_EXIT, (uint32_t)code};
        uint32_t reason = code == 0 ? ADP_STOPPED_APPLICATION_EXIT
                                    : ADP_STOPPED_RUN_TIME_ERROR_UNKNOWN;

        (void)mf_semihost_call(SYS_EXIT_EXTENDED, block);
        /* A host without SYS_EXIT_EXTENDED returns here: 32-bit SYS_EXIT takes the reason
         * itself in r1 and can only tell success from failure. */
        (void)mf_semihost_call(SYS_EXIT, (const void *)(uintptr_t)reason);
    }
    __asm__ volatile("cpsid i" ::: "memory");
    for (;;) {
        __asm__ volatile("wfi");
    }
}
