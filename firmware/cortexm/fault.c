/*
 * Cortex-M fault handlers: HardFault, MemManage, BusFault and UsageFault.
 *
 * Each handler is a naked stub that finds the exception frame (MSP or PSP, from EXC_RETURN bit 2)
 * and branches to mf_cortexm_fault_dispatch(), which copies the stacked registers and the fault
 * status registers into an mf_fault_info and hands it to mf_runtime_fault().
 * ARMv6-M (Cortex-M0/M0+) has only HardFault and no fault status registers (reported as 0).
 */
#include <stdint.h>

#include "cortexm.h"
#include "mcuforge/board.h"

#define EXC_RETURN_FTYPE (1u << 4) /* 1: basic frame, 0: frame with FP state */
#define EXC_RETURN_DCRS (1u << 5)  /* ARMv8-M, 0: callee registers stacked before the frame */
#define XPSR_STACK_ALIGN (1u << 9) /* the frame was realigned by 4 bytes */

/* Indexed by the `kind` number each stub passes in r2 (see FAULT_STUB below). */
static const char *const fault_kinds[] = {"hardfault", "memmanage", "busfault", "usagefault"};

void mf_cortexm_fault_dispatch(const uint32_t *frame, uint32_t exc_return, uint32_t kind)
    __attribute__((used, noreturn));

void mf_cortexm_fault_dispatch(const uint32_t *frame, uint32_t exc_return, uint32_t kind)
{
    mf_fault_info info;
    uint32_t frame_bytes;

#if MF_CORTEXM_V8M
    if ((exc_return & EXC_RETURN_DCRS) == 0u) {
        frame += 10; /* integrity signature, reserved word, r4-r11 */
    }
#endif
    info.kind = fault_kinds[kind & 3u];
    info.r0 = frame[0];
    info.r1 = frame[1];
    info.r2 = frame[2];
    info.r3 = frame[3];
    info.r12 = frame[4];
    info.lr = frame[5];
    info.pc = frame[6];
    info.xpsr = frame[7];
#if MF_CORTEXM_MAINLINE
    info.cfsr = MF_SCB_CFSR;
    info.hfsr = MF_SCB_HFSR;
    info.mmfar = MF_SCB_MMFAR;
    info.bfar = MF_SCB_BFAR;
#else
    info.cfsr = info.hfsr = info.mmfar = info.bfar = 0u;
#endif
    frame_bytes = (exc_return & EXC_RETURN_FTYPE) != 0u ? 0x20u : 0x68u;
    if ((info.xpsr & XPSR_STACK_ALIGN) != 0u) {
        frame_bytes += 4u;
    }
    info.sp = (uint32_t)(uintptr_t)frame + frame_bytes; /* sp of the faulting code */

    mf_runtime_fault(&info);
    __asm__ volatile("cpsid i" ::: "memory");
    for (;;) {
        __asm__ volatile("wfi");
    }
}

/* On ARMv8-M a stack-limit fault leaves sp at MSPLIM: drop the limit so the handler can run. */
#if MF_CORTEXM_V8M
#define STUB_CLEAR_STACK_LIMIT "movs r3, #0\n\tmsr msplim, r3\n\t"
#else
#define STUB_CLEAR_STACK_LIMIT ""
#endif

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

#if MF_CORTEXM_MAINLINE
#define FAULT_STUB(handler, kind)                                                                 \
    __attribute__((naked)) void handler(void)                                                     \
    {                                                                                             \
        __asm__ volatile(STUB_CLEAR_STACK_LIMIT "tst lr, #4\n\t"                                  \
                                                "ite eq\n\t"                                      \
                                                "mrseq r0, msp\n\t"                               \
                                                "mrsne r0, psp\n\t"                               \
                                                "mov r1, lr\n\t"                                  \
                                                "movs r2, #" STRINGIFY(kind) "\n\t"               \
                                                "b mf_cortexm_fault_dispatch\n\t");               \
    }

FAULT_STUB(HardFault_Handler, 0)
FAULT_STUB(MemManage_Handler, 1)
FAULT_STUB(BusFault_Handler, 2)
FAULT_STUB(UsageFault_Handler, 3)

void mf_cortexm_fault_init(void)
{
    MF_SCB_SHCSR |= MF_SHCSR_MEMFAULTENA | MF_SHCSR_BUSFAULTENA | MF_SHCSR_USGFAULTENA;
    MF_SCB_CCR |= MF_CCR_DIV_0_TRP;
    mf_dsb();
    mf_isb();
}

#else /* ARMv6-M: no IT blocks, short branch range */

__attribute__((naked)) void HardFault_Handler(void)
{
    __asm__ volatile("movs r0, #4\n\t"
                     "mov r1, lr\n\t"
                     "tst r0, r1\n\t"
                     "beq 1f\n\t"
                     "mrs r0, psp\n\t"
                     "b 2f\n"
                     "1:\n\t"
                     "mrs r0, msp\n"
                     "2:\n\t"
                     "movs r2, #0\n\t"
                     "ldr r3, =mf_cortexm_fault_dispatch\n\t"
                     "bx r3\n\t"
                     ".ltorg\n\t");
}

void mf_cortexm_fault_init(void)
{
}

#endif
