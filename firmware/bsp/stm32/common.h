/*
 * Private to the STM32 board-support files (stm32f4/, stm32f7/, stm32l4/): register access, the
 * bounded wait on a ready flag (board.h: every wait is bounded), and the RCC pieces that are the same
 * in every family (the APB prescaler encoding, the HSE oscillator's bits in RCC_CR).
 *
 * The peripherals the families share have a header each in this folder, as Zephyr's STM32 drivers
 * share one driver per peripheral across series: gpio.h, usart.h, f4f7.h (what F4 and F7 share), and
 * board_api.h (the board.h functions over a family's hooks). Everything family-specific stays in the
 * family's board.c: the clock tree, the RCC enable registers and bits, the console instance table,
 * special pins (L4's VDDIO2).
 */
#ifndef MF_BSP_STM32_COMMON_H
#define MF_BSP_STM32_COMMON_H

#include <stdint.h>

#include "mf_board_config.h"

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define SPIN_LIMIT 200000u

/* Wait until (*reg & mask) == value; returns 0 if that did not happen within SPIN_LIMIT reads. */
static inline int wait_bits(volatile uint32_t *reg, uint32_t mask, uint32_t value)
{
    uint32_t spins;

    for (spins = 0u; spins < SPIN_LIMIT; spins++) {
        if ((*reg & mask) == value) {
            return 1;
        }
    }
    return 0;
}

/* The RCC_CFGR PPREx field for an APB divider (1, 2, 4, 8 or 16). */
static inline uint32_t apb_prescaler_bits(uint32_t div)
{
    switch (div) {
    case 2u: return 4u;
    case 4u: return 5u;
    case 8u: return 6u;
    case 16u: return 7u;
    default: return 0u;
    }
}

#ifdef STM32_PLL_OUT_DIV
/* SYSCLK the board's PLL settings give from `input_hz` (checked against MF_CPU_HZ): the input divided
 * by M, times N, divided by the family's SYSCLK output divider (F4/F7: P, L4: R). */
static inline uint32_t pll_output_hz(uint32_t input_hz)
{
    return input_hz / MF_CLOCK_PLL_M * MF_CLOCK_PLL_N / STM32_PLL_OUT_DIV;
}
#endif

/* RCC_CR's HSE bits, at the same place in every family. */
#define RCC_CR_HSEON (1u << 16)
#define RCC_CR_HSERDY (1u << 17)
#define RCC_CR_HSEBYP (1u << 18)

#if defined(MF_CLOCK_SOURCE_HSE) || defined(MF_CLOCK_SOURCE_HSE_BYPASS)
/* Start the HSE (a crystal; an external clock with source = "hse_bypass") through the family's
 * RCC_CR; returns its frequency, or 0 if it did not become ready (QEMU never sets HSERDY). */
static inline uint32_t hse_start(volatile uint32_t *rcc_cr)
{
#if defined(MF_CLOCK_SOURCE_HSE_BYPASS)
    *rcc_cr |= RCC_CR_HSEBYP;
#endif
    *rcc_cr |= RCC_CR_HSEON;
    return wait_bits(rcc_cr, RCC_CR_HSERDY, RCC_CR_HSERDY) ? MF_CLOCK_HSE_HZ : 0u;
}
#endif

#endif /* MF_BSP_STM32_COMMON_H */
