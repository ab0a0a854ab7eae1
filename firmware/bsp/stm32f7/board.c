/*
 * Board support for the STM32F7 family (STM32F745/746/756/765/767/769/...).
 *
 * Clock: HSI (16 MHz after reset) or HSE (crystal or bypass) -> main PLL (P output) -> SYSCLK =
 * MF_CPU_HZ, with the regulator in scale 1 and over-drive on above 180 MHz. Every wait is bounded;
 * on failure the core stays on HSI and the console baud rate follows.
 * Console: USART1..3, UART4/5, USART6, UART7/8 (F7 register layout: ISR/RDR/TDR), 8N1, polled.
 * Timing pin: any GPIO, push-pull output, high = inferring.
 *
 * Board configuration (mf_board_config.h):
 *   MF_CLOCK_SOURCE_HSI | _HSE | _HSE_BYPASS  (source = "hsi" ...; MF_CLOCK_HSE_HZ for HSE)
 *   MF_CLOCK_PLL_M, MF_CLOCK_PLL_N, MF_CLOCK_PLL_P, MF_CLOCK_PLL_Q, MF_CLOCK_FLASH_WS,
 *   MF_CLOCK_APB1_DIV, MF_CLOCK_APB2_DIV
 *   MF_CONSOLE_UART (1..8), MF_CONSOLE_TX/RX_PORT/_PIN, MF_CONSOLE_AF, MF_CONSOLE_BAUD
 *   MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN
 */
#include <stdint.h>

#include "mcuforge/board.h"
#include "mf_board_config.h"

#define STM32_GPIO_BASE 0x40020000u /* GPIOA, on AHB1 */
#define STM32_USART_V2 1            /* console: USART v2 register layout */
#define STM32_PLL_OUT_DIV MF_CLOCK_PLL_P /* SYSCLK is the main PLL's P output */
#include "../stm32/common.h"
#include "../stm32/gpio.h"
#include "../stm32/usart.h"
#include "../stm32/f4f7.h"

/* Flash interface */
#define FLASH_ACR REG(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ARTEN (1u << 9)

/* Power control: voltage scale 1 and over-drive (needed above 180 MHz) */
#define PWR_CR1 REG(0x40007000u)
#define PWR_CSR1 REG(0x40007004u)
#define PWR_CR1_ODEN (1u << 16)
#define PWR_CR1_ODSWEN (1u << 17)
#define PWR_CR1_VOS_MASK (3u << 14)
#define PWR_CR1_VOS_SCALE1 (3u << 14)
#define PWR_CSR1_ODRDY (1u << 16)
#define PWR_CSR1_ODSWRDY (1u << 17)
#define OVERDRIVE_ABOVE_HZ 180000000u

/* Console instances, indexed by instance number. */
#define CONSOLE_INDEX MF_CONSOLE_UART
static const uart_info consoles[] = {
    STM32F4F7_CONSOLES,
    [7] = {0x40007800u, RCC_BASE + 0x40u, 30u, 1u}, /* UART7 */
    [8] = {0x40007C00u, RCC_BASE + 0x40u, 31u, 1u}, /* UART8 */
};

static uint32_t sysclk_hz = HSI_HZ;

/* Scale 1 is the reset value; over-drive has to be switched on while the PLL runs and before
 * SYSCLK moves to it. */
static int overdrive_enable(void)
{
    PWR_CR1 |= PWR_CR1_ODEN;
    if (!wait_bits(&PWR_CSR1, PWR_CSR1_ODRDY, PWR_CSR1_ODRDY)) {
        return 0;
    }
    PWR_CR1 |= PWR_CR1_ODSWEN;
    return wait_bits(&PWR_CSR1, PWR_CSR1_ODSWRDY, PWR_CSR1_ODSWRDY);
}

static void clock_init(void)
{
    uint32_t src;

    if (!clock_begin(&src)) {
        return; /* stay on HSI 16 MHz */
    }
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_SCALE1;

    if (!pll_start(src)) {
        return;
    }
    if (MF_CPU_HZ > OVERDRIVE_ABOVE_HZ && !overdrive_enable()) {
        return;
    }
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | MF_CLOCK_FLASH_WS | FLASH_ACR_PRFTEN |
                FLASH_ACR_ARTEN;
    (void)FLASH_ACR;

    if (!sysclk_to_pll()) {
        return;
    }
    sysclk_hz = MF_CPU_HZ;
}

#include "../stm32/board_api.h"
