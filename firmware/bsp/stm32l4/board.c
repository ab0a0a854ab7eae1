/*
 * Board support for the STM32L4 and STM32L4+ families (STM32L475, STM32L4R5, ...).
 *
 * Clock: MSI (4 MHz after reset), HSI16 or HSE -> main PLL (R output) -> SYSCLK = MF_CPU_HZ.
 * Above 80 MHz (STM32L4+ only) the core regulator is put in range 1 boost mode first.
 * Console: USARTn or LPUART1 (board key `lpuart` instead of `uart`), 8N1, polled.
 * Timing pin: any GPIO, push-pull output, high = inferring.
 *
 * Board configuration (mf_board_config.h):
 *   MF_CLOCK_SOURCE_MSI | _HSI | _HSE | _HSE_BYPASS  (source = "msi" ...; MF_CLOCK_HSE_HZ for HSE)
 *   MF_CLOCK_PLL_M, MF_CLOCK_PLL_N, MF_CLOCK_PLL_R, MF_CLOCK_FLASH_WS,
 *   MF_CLOCK_APB1_DIV, MF_CLOCK_APB2_DIV
 *   MF_CONSOLE_UART (1..5) or MF_CONSOLE_LPUART (1), MF_CONSOLE_TX/RX_PORT/_PIN,
 *   MF_CONSOLE_AF, MF_CONSOLE_BAUD
 *   MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN
 */
#include <stdint.h>

#include "mcuforge/board.h"
#include "mf_board_config.h"

#define STM32_GPIO_BASE 0x48000000u /* GPIOA, on AHB2 */
#define STM32_USART_V2 1            /* console: USART v2 register layout (LPUART1 too) */
#define STM32_PLL_OUT_DIV MF_CLOCK_PLL_R /* SYSCLK is the main PLL's R output */
#include "../stm32/common.h"
#include "../stm32/gpio.h"
#include "../stm32/usart.h"

/* Reset and clock control */
#define RCC_BASE 0x40021000u
#define RCC_CR REG(RCC_BASE + 0x00u)
#define RCC_CFGR REG(RCC_BASE + 0x08u)
#define RCC_PLLCFGR REG(RCC_BASE + 0x0Cu)
#define RCC_AHB2ENR REG(RCC_BASE + 0x4Cu)
#define RCC_APB1ENR1 REG(RCC_BASE + 0x58u)
#define RCC_CR_HSION (1u << 8)
#define RCC_CR_HSIRDY (1u << 10)
#define RCC_CR_PLLON (1u << 24)
#define RCC_CR_PLLRDY (1u << 25)
#define RCC_CFGR_SW_MASK 0x3u
#define RCC_CFGR_SW_PLL 0x3u
#define RCC_CFGR_SWS_MASK (0x3u << 2)
#define RCC_CFGR_SWS_PLL (0x3u << 2)
#define RCC_CFGR_HPRE_MASK (0xFu << 4)
#define RCC_CFGR_HPRE_DIV2 (0x8u << 4)
#define RCC_CFGR_PPRE1_SHIFT 8
#define RCC_CFGR_PPRE2_SHIFT 11
#define RCC_PLLCFGR_SRC_MSI 1u
#define RCC_PLLCFGR_SRC_HSI16 2u
#define RCC_PLLCFGR_SRC_HSE 3u
#define RCC_PLLCFGR_PLLREN (1u << 24)
#define RCC_APB1ENR1_PWREN (1u << 28)

#define MSI_RESET_HZ 4000000u
#define HSI16_HZ 16000000u

/* Flash interface */
#define FLASH_ACR REG(0x40022000u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)

/* Power control */
#define PWR_BASE 0x40007000u
#define PWR_CR2 REG(PWR_BASE + 0x04u)
#define PWR_CR5 REG(PWR_BASE + 0x80u) /* STM32L4+ only */
#define PWR_CR2_IOSV (1u << 9)        /* VDDIO2 valid: PG[15:2] usable */
#define PWR_CR5_R1MODE (1u << 8)      /* 0: range 1 boost mode (SYSCLK > 80 MHz) */
#define L4_MAX_NORMAL_HZ 80000000u
#define VDDIO2_PORT 6u                /* GPIOG */
#define VDDIO2_FIRST_PIN 2u

/* Console instances, indexed by instance number. */
#if defined(MF_CONSOLE_LPUART)
#define CONSOLE_INDEX MF_CONSOLE_LPUART
#define CONSOLE_BRR(pclk) ((uint32_t)((256ull * (pclk) + MF_CONSOLE_BAUD / 2u) / MF_CONSOLE_BAUD))
static const uart_info consoles[] = {
    [1] = {0x40008000u, RCC_BASE + 0x5Cu, 0u, 1u}, /* LPUART1, APB1ENR2 */
};
#else
#define CONSOLE_INDEX MF_CONSOLE_UART
static const uart_info consoles[] = {
    [1] = {0x40013800u, RCC_BASE + 0x60u, 14u, 2u}, /* USART1, APB2ENR */
    [2] = {0x40004400u, RCC_BASE + 0x58u, 17u, 1u}, /* USART2, APB1ENR1 */
    [3] = {0x40004800u, RCC_BASE + 0x58u, 18u, 1u}, /* USART3 */
    [4] = {0x40004C00u, RCC_BASE + 0x58u, 19u, 1u}, /* UART4 */
    [5] = {0x40005000u, RCC_BASE + 0x58u, 20u, 1u}, /* UART5 */
};
#endif

static uint32_t sysclk_hz = MSI_RESET_HZ;

/* Start the PLL input oscillator; returns its frequency (0 if it failed) and PLLSRC code. */
static uint32_t pll_input(uint32_t *src)
{
#if defined(MF_CLOCK_SOURCE_MSI)
    *src = RCC_PLLCFGR_SRC_MSI;
    return MSI_RESET_HZ;
#elif defined(MF_CLOCK_SOURCE_HSI)
    RCC_CR |= RCC_CR_HSION;
    *src = RCC_PLLCFGR_SRC_HSI16;
    return wait_bits(&RCC_CR, RCC_CR_HSIRDY, RCC_CR_HSIRDY) ? HSI16_HZ : 0u;
#elif defined(MF_CLOCK_SOURCE_HSE) || defined(MF_CLOCK_SOURCE_HSE_BYPASS)
    *src = RCC_PLLCFGR_SRC_HSE;
    return hse_start(&RCC_CR);
#else
#error "[clock] source: expected \"msi\", \"hsi\", \"hse\" or \"hse_bypass\""
#endif
}

static void clock_init(void)
{
    uint32_t src = 0u;
    uint32_t input_hz = pll_input(&src);
    uint32_t cfgr, cfgr_reset;
    volatile uint32_t settle;

    if (input_hz == 0u || pll_output_hz(input_hz) != MF_CPU_HZ) {
        return; /* stay on MSI 4 MHz: the console still works, at the right baud */
    }
    if (MF_CPU_HZ > L4_MAX_NORMAL_HZ) {
        RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
        (void)RCC_APB1ENR1;
        PWR_CR5 &= ~PWR_CR5_R1MODE;
    }
    /* Wait states first: the flash must keep up before SYSCLK rises. */
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | MF_CLOCK_FLASH_WS | FLASH_ACR_PRFTEN |
                FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    (void)FLASH_ACR; /* one read orders the write; QEMU does not model ACR, never spin on it */

    RCC_CR &= ~RCC_CR_PLLON;
    (void)wait_bits(&RCC_CR, RCC_CR_PLLRDY, 0u);
    RCC_PLLCFGR = src | ((uint32_t)(MF_CLOCK_PLL_M - 1u) << 4) | ((uint32_t)MF_CLOCK_PLL_N << 8) |
                  ((uint32_t)(MF_CLOCK_PLL_R / 2u - 1u) << 25) | RCC_PLLCFGR_PLLREN;
    RCC_CR |= RCC_CR_PLLON;
    if (!wait_bits(&RCC_CR, RCC_CR_PLLRDY, RCC_CR_PLLRDY)) {
        return;
    }

    cfgr_reset = RCC_CFGR;
    cfgr = cfgr_reset & ~((7u << RCC_CFGR_PPRE1_SHIFT) | (7u << RCC_CFGR_PPRE2_SHIFT) |
                        RCC_CFGR_HPRE_MASK | RCC_CFGR_SW_MASK);
    cfgr |= apb_prescaler_bits(MF_CLOCK_APB1_DIV) << RCC_CFGR_PPRE1_SHIFT;
    cfgr |= apb_prescaler_bits(MF_CLOCK_APB2_DIV) << RCC_CFGR_PPRE2_SHIFT;
    if (MF_CPU_HZ > L4_MAX_NORMAL_HZ) {
        cfgr |= RCC_CFGR_HPRE_DIV2; /* boost: step through HCLK/2 for at least 1 us */
    }
    RCC_CFGR = cfgr | RCC_CFGR_SW_PLL;
    if (!wait_bits(&RCC_CFGR, RCC_CFGR_SWS_MASK, RCC_CFGR_SWS_PLL)) {
        RCC_CFGR = cfgr_reset; /* back to the reset clock, undivided buses */
        return;
    }
    if (MF_CPU_HZ > L4_MAX_NORMAL_HZ) {
        for (settle = 0u; settle < MF_CPU_HZ / 2000000u; settle++) {
        }
        RCC_CFGR = cfgr & ~RCC_CFGR_HPRE_MASK;
    }
    sysclk_hz = MF_CPU_HZ;
}

/* The port's clock (AHB2); PG2..PG15 also need VDDIO2 declared valid. */
static void gpio_clock_on(uint32_t port, uint32_t pin)
{
    RCC_AHB2ENR |= 1u << port;
    (void)RCC_AHB2ENR;
    if (port == VDDIO2_PORT && pin >= VDDIO2_FIRST_PIN) {
        RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
        (void)RCC_APB1ENR1;
        PWR_CR2 |= PWR_CR2_IOSV;
    }
}

#include "../stm32/board_api.h"
