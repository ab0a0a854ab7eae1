/*
 * Cortex-M core registers and the hooks shared by the files of firmware/cortexm/.
 *
 * Internal to firmware/cortexm/: board-support packages and the runtime use mcuforge/board.h.
 * Only architectural registers live here (the same address on every ARMv7-M / ARMv8-M Mainline
 * core); MCU peripherals belong to the family's board.c.
 */
#ifndef MCUFORGE_CORTEXM_H
#define MCUFORGE_CORTEXM_H

#include <stdint.h>

#define MF_REG32(addr) (*(volatile uint32_t *)(uintptr_t)(addr))

/* ARMv7-M and ARMv8-M Mainline have the configurable faults, DWT and the full SCB. */
#if defined(__ARM_ARCH_7M__) || defined(__ARM_ARCH_7EM__) || defined(__ARM_ARCH_8M_MAIN__) || \
    defined(__ARM_ARCH_8_1M_MAIN__)
#define MF_CORTEXM_MAINLINE 1
#else
#define MF_CORTEXM_MAINLINE 0
#endif

/* ARMv8-M Mainline (Cortex-M33, Cortex-M55): stack limit registers, SecureFault. */
#if defined(__ARM_ARCH_8M_MAIN__) || defined(__ARM_ARCH_8_1M_MAIN__)
#define MF_CORTEXM_V8M 1
#else
#define MF_CORTEXM_V8M 0
#endif

/* System control block */
#define MF_SCB_CPUID MF_REG32(0xE000ED00u)
#define MF_SCB_ICSR MF_REG32(0xE000ED04u)
#define MF_SCB_VTOR MF_REG32(0xE000ED08u)
#define MF_SCB_CCR MF_REG32(0xE000ED14u)
#define MF_SCB_SHCSR MF_REG32(0xE000ED24u)
#define MF_SCB_CFSR MF_REG32(0xE000ED28u)
#define MF_SCB_HFSR MF_REG32(0xE000ED2Cu)
#define MF_SCB_MMFAR MF_REG32(0xE000ED34u)
#define MF_SCB_BFAR MF_REG32(0xE000ED38u)
#define MF_SCB_CCSIDR MF_REG32(0xE000ED80u)
#define MF_SCB_CSSELR MF_REG32(0xE000ED84u)
#define MF_SCB_CPACR MF_REG32(0xE000ED88u)
#define MF_SCB_ICIALLU MF_REG32(0xE000EF50u)
#define MF_SCB_DCISW MF_REG32(0xE000EF60u)

#define MF_ICSR_PENDSTSET (1u << 26)
#define MF_CCR_DIV_0_TRP (1u << 4)
#define MF_CCR_DC (1u << 16)
#define MF_CCR_IC (1u << 17)
#define MF_SHCSR_MEMFAULTENA (1u << 16)
#define MF_SHCSR_BUSFAULTENA (1u << 17)
#define MF_SHCSR_USGFAULTENA (1u << 18)
#define MF_CPUID_PARTNO(cpuid) (((cpuid) >> 4) & 0xFFFu)
#define MF_PARTNO_CORTEX_M7 0xC27u
#define MF_PARTNO_CORTEX_M55 0xD22u
#define MF_PARTNO_CORTEX_M85 0xD23u

/* SysTick */
#define MF_SYST_CSR MF_REG32(0xE000E010u)
#define MF_SYST_RVR MF_REG32(0xE000E014u)
#define MF_SYST_CVR MF_REG32(0xE000E018u)
#define MF_SYST_CSR_ENABLE (1u << 0)
#define MF_SYST_CSR_TICKINT (1u << 1)
#define MF_SYST_CSR_CLKSOURCE (1u << 2) /* 1: processor clock */
#define MF_SYST_RELOAD_MAX 0x00FFFFFFu

/* Debug: DEMCR and the data watchpoint and trace unit */
#define MF_DEMCR MF_REG32(0xE000EDFCu)
#define MF_DEMCR_TRCENA (1u << 24)
#define MF_DWT_CTRL MF_REG32(0xE0001000u)
#define MF_DWT_CYCCNT MF_REG32(0xE0001004u)
#define MF_DWT_LAR MF_REG32(0xE0001FB0u)
#define MF_DWT_CTRL_CYCCNTENA (1u << 0)
#define MF_DWT_CTRL_NOCYCCNT (1u << 25)
#define MF_CORESIGHT_UNLOCK 0xC5ACCE55u

/* Stack paint pattern (Reset_Handler paints [__stack_bottom__, sp) with it). */
#define MF_STACK_PAINT 0xA5A5A5A5u

static inline void mf_dsb(void) { __asm__ volatile("dsb" ::: "memory"); }
static inline void mf_isb(void) { __asm__ volatile("isb" ::: "memory"); }

/* Save PRIMASK and mask interrupts; restore with mf_irq_restore(). */
static inline uint32_t mf_irq_save(void)
{
    uint32_t primask;
    __asm__ volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void mf_irq_restore(uint32_t primask)
{
    __asm__ volatile("msr primask, %0" ::"r"(primask) : "memory");
}

/* Enable MemManage/BusFault/UsageFault and the divide-by-zero trap (fault.c). */
void mf_cortexm_fault_init(void);

/* Semihosting call (semihost.c): `bkpt 0xab` with r0 = op, r1 = arg; returns r0. Only valid
 * under a debugger or an emulator with semihosting enabled, else it faults. */
uint32_t mf_semihost_call(uint32_t op, const void *arg);

/* Exception handlers with strong definitions outside startup.c. */
void Reset_Handler(void);
void HardFault_Handler(void);
void MemManage_Handler(void);
void BusFault_Handler(void);
void UsageFault_Handler(void);
void SysTick_Handler(void);

/* counter.c: 1 when the SysTick fallback counter runs (its interrupt fires at least every 2^24
 * core clocks, so a WFI always wakes within that bound). */
int mf_cortexm_systick_running(void);

#endif /* MCUFORGE_CORTEXM_H */
