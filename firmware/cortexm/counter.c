/*
 * Latency counter for Cortex-M: DWT->CYCCNT when it counts, else SysTick.
 *
 * DWT: the 32-bit cycle counter, extended to 64 bits in software (mf_counter_now() must be called
 * at least once per 2^32 cycles, about 20 s at 216 MHz). Rate MF_CPU_HZ.
 * SysTick: free-running from the processor clock with the full 24-bit reload; its interrupt
 * counts wraps. Rate MF_COUNTER_HZ (under QEMU the rate the emulated SysTick really counts at).
 * QEMU does not model CYCCNT (it reads 0), so emulated boards use SysTick.
 */
#include <stdint.h>

#include "cortexm.h"
#include "mcuforge/board.h"
#include "mf_board_config.h"

#define DAUTHCTRL MF_REG32(0xE000EE04u) /* ARMv8-M debug authentication control (Secure) */
#define DAUTHCTRL_SPNIDENSEL (1u << 2)
#define DAUTHCTRL_INTSPNIDEN (1u << 3)
#define DWT_CTRL_CYCDISS (1u << 23) /* ARMv8-M: cycle counter disabled in Secure state */
#define DWT_PROBE_SPINS 200u

enum counter_mode { COUNTER_OFF, COUNTER_DWT, COUNTER_SYSTICK };

static enum counter_mode counter_mode = COUNTER_OFF;
static volatile uint32_t systick_wraps;
static uint64_t systick_last;
static uint32_t dwt_last;
static uint32_t dwt_high;

void SysTick_Handler(void)
{
    systick_wraps++;
}

/* Enable CYCCNT and report whether it advances over a short spin. */
static int dwt_start(void)
{
#if MF_CORTEXM_MAINLINE
    uint32_t start;
    volatile uint32_t spin;

    MF_DEMCR |= MF_DEMCR_TRCENA;
    MF_DWT_LAR = MF_CORESIGHT_UNLOCK; /* Cortex-M7 locks the DWT; write-ignored elsewhere */
    if ((MF_DWT_CTRL & MF_DWT_CTRL_NOCYCCNT) != 0u) {
        return 0;
    }
#if MF_CORTEXM_V8M
    /* Let CYCCNT count in Secure state: allow Secure non-invasive debug, clear CYCDISS. */
    DAUTHCTRL |= DAUTHCTRL_SPNIDENSEL | DAUTHCTRL_INTSPNIDEN;
    MF_DWT_CTRL &= ~DWT_CTRL_CYCDISS;
#endif
    MF_DWT_CYCCNT = 0u;
    MF_DWT_CTRL |= MF_DWT_CTRL_CYCCNTENA;
    start = MF_DWT_CYCCNT;
    for (spin = 0u; spin < DWT_PROBE_SPINS; spin++) {
    }
    return MF_DWT_CYCCNT != start;
#else
    return 0; /* ARMv6-M: the DWT has no cycle counter */
#endif
}

static void systick_start(void)
{
    MF_SYST_CSR = 0u;
    MF_SYST_RVR = MF_SYST_RELOAD_MAX;
    MF_SYST_CVR = 0u; /* any write clears the counter; it reloads on the next tick */
    systick_wraps = 0u;
    systick_last = 0u;
    MF_SYST_CSR = MF_SYST_CSR_CLKSOURCE | MF_SYST_CSR_TICKINT | MF_SYST_CSR_ENABLE;
}

void mf_counter_init(void)
{
    if (dwt_start()) {
        dwt_last = MF_DWT_CYCCNT;
        dwt_high = 0u;
        counter_mode = COUNTER_DWT;
    } else {
#if MF_CORTEXM_MAINLINE
        MF_DWT_CTRL &= ~MF_DWT_CTRL_CYCCNTENA;
#endif
        systick_start();
        counter_mode = COUNTER_SYSTICK;
    }
}

/* wraps * 2^24 + ticks since the last reload.
 * A wrap whose interrupt is pending (masked here, or not yet taken) shows in ICSR.PENDSTSET: once
 * pended, a large counter value means the reload already happened, a small one that it is about
 * to. QEMU can also show the reloaded counter a moment before it pends the interrupt; a result
 * below the previous one is such a wrap and is counted too (callers read the counter at least
 * once per 2^24 ticks, so a real backwards step cannot happen). */
static uint64_t systick_now(void)
{
    uint32_t primask = mf_irq_save();
    uint32_t wraps = systick_wraps;
    uint32_t value = MF_SYST_CVR;
    uint64_t count;

    if ((MF_SCB_ICSR & MF_ICSR_PENDSTSET) != 0u) {
        value = MF_SYST_CVR;
        if (value > MF_SYST_RELOAD_MAX / 2u) {
            wraps++;
        }
    }
    count = ((uint64_t)wraps << 24) | (uint64_t)(MF_SYST_RELOAD_MAX - value);
    if (count < systick_last) {
        count += (uint64_t)1u << 24;
    }
    systick_last = count;
    mf_irq_restore(primask);
    return count;
}

static uint64_t dwt_now(void)
{
    uint32_t primask = mf_irq_save();
    uint32_t now = MF_DWT_CYCCNT;
    uint64_t count;

    if (now < dwt_last) {
        dwt_high++;
    }
    dwt_last = now;
    count = ((uint64_t)dwt_high << 32) | now;
    mf_irq_restore(primask);
    return count;
}

void mf_counter_align(void)
{
    if (counter_mode == COUNTER_SYSTICK) {
        systick_start();
    }
}

uint64_t mf_counter_now(void)
{
    if (counter_mode == COUNTER_OFF) {
        mf_counter_init();
    }
    return counter_mode == COUNTER_DWT ? dwt_now() : systick_now();
}

uint32_t mf_counter_hz(void)
{
    if (counter_mode == COUNTER_OFF) {
        mf_counter_init();
    }
    return counter_mode == COUNTER_DWT ? (uint32_t)MF_CPU_HZ : (uint32_t)MF_COUNTER_HZ;
}

int mf_cortexm_systick_running(void)
{
    return counter_mode == COUNTER_SYSTICK;
}

const char *mf_counter_source(void)
{
    if (counter_mode == COUNTER_OFF) {
        mf_counter_init();
    }
    return counter_mode == COUNTER_DWT ? "dwt" : "systick";
}
