/*
 * Cortex-M reset path and vector table, shared by every Cortex-M board.
 *
 * Reset_Handler: enable the FPU (if the build uses one), paint the stack with MF_STACK_PAINT,
 * copy .data, zero .bss, set VTOR (and MSPLIM on ARMv8-M), enable the caches of cores that have
 * them, enable the configurable faults, then mf_board_init() and main().
 * The symbols come from templates/linker.ld.j2.
 */
#include <stdint.h>

#include "cortexm.h"
#include "mcuforge/board.h"

extern uint32_t __data_start__[];
extern uint32_t __data_end__[];
extern const uint32_t __data_load__[];
extern uint32_t __bss_start__[];
extern uint32_t __bss_end__[];
extern uint32_t __stack_bottom__[];
extern uint32_t __stack_top__[];

int main(void);

void Default_Handler(void);
void NMI_Handler(void) __attribute__((weak, alias("Default_Handler")));
void HardFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void MemManage_Handler(void) __attribute__((weak, alias("Default_Handler")));
void BusFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void UsageFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SecureFault_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SVC_Handler(void) __attribute__((weak, alias("Default_Handler")));
void DebugMon_Handler(void) __attribute__((weak, alias("Default_Handler")));
void PendSV_Handler(void) __attribute__((weak, alias("Default_Handler")));
void SysTick_Handler(void) __attribute__((weak, alias("Default_Handler")));

typedef void (*mf_handler)(void);

/* Initial stack pointer, then the 15 system exceptions (numbers 1..15). */
typedef struct {
    uint32_t *initial_sp;
    mf_handler system[15];
} mf_vector_table;

__attribute__((section(".isr_vector"), used)) const mf_vector_table mf_vectors = {
    __stack_top__,
    {
        Reset_Handler,       /* 1 */
        NMI_Handler,         /* 2 */
        HardFault_Handler,   /* 3 */
        MemManage_Handler,   /* 4 */
        BusFault_Handler,    /* 5 */
        UsageFault_Handler,  /* 6 */
        SecureFault_Handler, /* 7: ARMv8-M only, reserved on ARMv7-M */
        0,                   /* 8 */
        0,                   /* 9 */
        0,                   /* 10 */
        SVC_Handler,         /* 11 */
        DebugMon_Handler,    /* 12 */
        0,                   /* 13 */
        PendSV_Handler,      /* 14 */
        SysTick_Handler,     /* 15 */
    },
};

/* Unexpected exception: nothing sensible to report it with, so park the core. */
void Default_Handler(void)
{
    __asm__ volatile("cpsid i" ::: "memory");
    for (;;) {
        __asm__ volatile("wfi");
    }
}

static void fpu_enable(void)
{
#if defined(__ARM_FP)
    MF_SCB_CPACR |= 0xFu << 20; /* CP10 and CP11: full access */
    mf_dsb();
    mf_isb();
#endif
}

/* Fill [__stack_bottom__, sp) with MF_STACK_PAINT; everything at and above sp is live.
 * Volatile stores keep the compiler from turning the loop into a memset call that would
 * push its own frame into the range being painted. */
__attribute__((noinline)) static void stack_paint(void)
{
    uintptr_t sp;
    volatile uint32_t *p = __stack_bottom__;

    __asm__ volatile("mov %0, sp" : "=r"(sp));
    while ((uintptr_t)p < sp) {
        *p++ = MF_STACK_PAINT;
    }
}

static void memory_init(void)
{
    const uint32_t *src = __data_load__;
    uint32_t *dst = __data_start__;

    while (dst < __data_end__) {
        *dst++ = *src++;
    }
    for (dst = __bss_start__; dst < __bss_end__; dst++) {
        *dst = 0u;
    }
}

/* Cortex-M7/M55/M85: invalidate then enable the L1 instruction and data caches. Other cores have
 * no architectural caches (the STM32L4 flash caches are the BSP's business). */
static void caches_enable(void)
{
#if MF_CORTEXM_MAINLINE
    uint32_t part = MF_CPUID_PARTNO(MF_SCB_CPUID);
    uint32_t ccsidr, sets, ways, line_shift, way_shift, set, way;

    if (part != MF_PARTNO_CORTEX_M7 && part != MF_PARTNO_CORTEX_M55 &&
        part != MF_PARTNO_CORTEX_M85) {
        return;
    }
    if ((MF_SCB_CCR & MF_CCR_IC) == 0u) {
        mf_dsb();
        mf_isb();
        MF_SCB_ICIALLU = 0u;
        mf_dsb();
        mf_isb();
        MF_SCB_CCR |= MF_CCR_IC;
        mf_dsb();
        mf_isb();
    }
    if ((MF_SCB_CCR & MF_CCR_DC) == 0u) {
        MF_SCB_CSSELR = 0u; /* level 1 data cache */
        mf_dsb();
        ccsidr = MF_SCB_CCSIDR;
        sets = ((ccsidr >> 13) & 0x7FFFu) + 1u;
        ways = ((ccsidr >> 3) & 0x3FFu) + 1u;
        line_shift = (ccsidr & 0x7u) + 4u;
        way_shift = ways > 1u ? (uint32_t)__builtin_clz(ways - 1u) : 0u;
        for (set = 0u; set < sets; set++) {
            for (way = 0u; way < ways; way++) {
                MF_SCB_DCISW = (set << line_shift) | (ways > 1u ? way << way_shift : 0u);
            }
        }
        mf_dsb();
        MF_SCB_CCR |= MF_CCR_DC;
        mf_dsb();
        mf_isb();
    }
#endif
}

void Reset_Handler(void)
{
    fpu_enable();
    stack_paint();
    memory_init();
#if MF_CORTEXM_V8M
    /* Stack overflow becomes a UsageFault (STKOF) instead of silent corruption of .bss. */
    __asm__ volatile("msr msplim, %0" ::"r"(__stack_bottom__));
#endif
    if (MF_CORTEXM_MAINLINE || (uintptr_t)&mf_vectors != 0u) { /* VTOR is optional on v6-M */
        MF_SCB_VTOR = (uint32_t)(uintptr_t)&mf_vectors;
        mf_dsb();
    }
    caches_enable();
    mf_cortexm_fault_init();
    mf_board_init();
    (void)main();
    Default_Handler();
}
