/*
 * What the STM32F4 and STM32F7 share (same addresses, same main PLL): the reset and clock control
 * block (register definitions, the PLL input oscillator, bringing the PLL up and SYSCLK over to it),
 * the GPIO port clocks, and USART1..6's instance map. Each family's board.c adds its own power and
 * flash steps around these, and its further UARTs. Include after common.h (wait_bits,
 * apb_prescaler_bits, hse_start), gpio.h and usart.h (uart_info).
 */
#ifndef MF_BSP_STM32F4F7_H
#define MF_BSP_STM32F4F7_H

/* Reset and clock control */
#define RCC_BASE 0x40023800u
#define RCC_CR REG(RCC_BASE + 0x00u)
#define RCC_PLLCFGR REG(RCC_BASE + 0x04u)
#define RCC_CFGR REG(RCC_BASE + 0x08u)
#define RCC_AHB1ENR REG(RCC_BASE + 0x30u)
#define RCC_APB1ENR REG(RCC_BASE + 0x40u)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_PLLCFGR_SRC_HSE (1u << 22)
#define RCC_PLLCFGR_KEEP 0xF0000000u /* reserved or PLLR (some parts): keep the reset value */
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x2u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_PLL (0x2u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_PPRE1_SHIFT 10
#define RCC_CFGR_PPRE2_SHIFT 13
#define RCC_APB1ENR_PWREN (1u << 28)
#define HSI_HZ 16000000u

/* Start the PLL input oscillator; returns its frequency (0 if it failed) and the PLLSRC bit. */
static uint32_t pll_input(uint32_t *src)
{
#if defined(MF_CLOCK_SOURCE_HSI)
    *src = 0u;
    return HSI_HZ; /* on since reset */
#elif defined(MF_CLOCK_SOURCE_HSE) || defined(MF_CLOCK_SOURCE_HSE_BYPASS)
    *src = RCC_PLLCFGR_SRC_HSE;
    return hse_start(&RCC_CR);
#else
#error "[clock] source: expected \"hsi\", \"hse\" or \"hse_bypass\""
#endif
}

/* Start the PLL's input and check the board's PLL settings against MF_CPU_HZ, then switch the power
 * interface's clock on (both families set the regulator next). Returns 0 when the clock cannot be
 * set up (the HSE is switched off again): the core then stays on HSI 16 MHz. */
static int clock_begin(uint32_t *src)
{
    uint32_t input_hz = pll_input(src);

    if (input_hz == 0u || pll_output_hz(input_hz) != MF_CPU_HZ) {
        RCC_CR &= ~(RCC_CR_HSEON | RCC_CR_HSEBYP);
        return 0;
    }
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR;
    return 1;
}

/* Configure the main PLL from `src` (0: HSI, or RCC_PLLCFGR_SRC_HSE) and start it; 0 if it never locks. */
static int pll_start(uint32_t src)
{
    RCC_CR &= ~RCC_CR_PLLON;
    (void)wait_bits(&RCC_CR, RCC_CR_PLLRDY, 0u);
    RCC_PLLCFGR = (RCC_PLLCFGR & RCC_PLLCFGR_KEEP) | src | (uint32_t)MF_CLOCK_PLL_M |
                  ((uint32_t)MF_CLOCK_PLL_N << 6) | ((uint32_t)(MF_CLOCK_PLL_P / 2u - 1u) << 16) |
                  ((uint32_t)MF_CLOCK_PLL_Q << 24);
    RCC_CR |= RCC_CR_PLLON;
    return wait_bits(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY);
}

/* Set the bus dividers and move SYSCLK to the PLL; on failure back to the reset clock and 0. */
static int sysclk_to_pll(void)
{
    uint32_t cfgr_reset = RCC_CFGR;
    uint32_t cfgr = cfgr_reset & ~((7u << RCC_CFGR_PPRE1_SHIFT) | (7u << RCC_CFGR_PPRE2_SHIFT) |
                                   RCC_CFGR_HPRE_MASK | RCC_CFGR_SW_MASK);

    cfgr |= apb_prescaler_bits(MF_CLOCK_APB1_DIV) << RCC_CFGR_PPRE1_SHIFT;
    cfgr |= apb_prescaler_bits(MF_CLOCK_APB2_DIV) << RCC_CFGR_PPRE2_SHIFT;
    RCC_CFGR = cfgr | RCC_CFGR_SW_PLL;
    if (!wait_bits(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL)) {
        RCC_CFGR = cfgr_reset; /* undivided buses */
        return 0;
    }
    return 1;
}

/* The port's clock: every GPIO port is on AHB1 (board_api.h's hook). */
static void gpio_clock_on(uint32_t port, uint32_t pin)
{
    (void)pin;
    RCC_AHB1ENR |= 1u << port;
    (void)RCC_AHB1ENR;
}

/* Console instances both families have, as initialisers of board_api.h's consoles[] (indexed by
 * instance number): USART1..3, UART4/5, USART6. */
#define STM32F4F7_CONSOLES                                                \
    [1] = {0x40011000u, RCC_BASE + 0x44u, 4u, 2u},  /* USART1, APB2ENR */ \
    [2] = {0x40004400u, RCC_BASE + 0x40u, 17u, 1u}, /* USART2, APB1ENR */ \
    [3] = {0x40004800u, RCC_BASE + 0x40u, 18u, 1u}, /* USART3 */          \
    [4] = {0x40004C00u, RCC_BASE + 0x40u, 19u, 1u}, /* UART4 */           \
    [5] = {0x40005000u, RCC_BASE + 0x40u, 20u, 1u}, /* UART5 */           \
    [6] = {0x40011400u, RCC_BASE + 0x44u, 5u, 2u}   /* USART6 */

#endif /* MF_BSP_STM32F4F7_H */
