/*
 * Arm semihosting call for M-profile: `bkpt 0xab`, operation in r0, argument in r1, result in r0.
 * Only valid when a debugger or emulator services it (QEMU: -semihosting-config enable=on);
 * otherwise the breakpoint faults.
 */
#include <stdint.h>

#include "cortexm.h"

uint32_t mf_semihost_call(uint32_t op, const void *arg)
{
    register uint32_t r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;

    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}
