/*
 * Board support for the STM32F4 family (STM32F405/407/415/417/427/429/...).
 *
 * Clock: HSI (16 MHz after reset) or HSE (crystal or bypass) -> main PLL (P output) -> SYSCLK =
 * MF_CPU_HZ. If the oscillator or the PLL does not come up within a bounded wait (QEMU models no
 * clock tree: HSERDY never sets) the core stays on HSI and the console baud rate follows.
 * Console: USART1..3, UART4/5, USART6 (F4 register layout: SR/DR), 8N1, polled.
 * Timing pin: any GPIO, push-pull output, high = inferring.
 *
 * Board configuration (mf_board_config.h):
 *   MF_CLOCK_SOURCE_HSI | _HSE | _HSE_BYPASS  (source = "hsi" ...; MF_CLOCK_HSE_HZ for HSE)
 *   MF_CLOCK_PLL_M, MF_CLOCK_PLL_N, MF_CLOCK_PLL_P, MF_CLOCK_PLL_Q, MF_CLOCK_FLASH_WS,
 *   MF_CLOCK_APB1_DIV, MF_CLOCK_APB2_DIV
 *   MF_CONSOLE_UART (1..6), MF_CONSOLE_TX/RX_PORT/_PIN, MF_CONSOLE_AF, MF_CONSOLE_BAUD
 *   MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN
 */
#include <stdint.h>

#include "mcuforge/board.h"
#include "mf_board_config.h"

#define STM32_GPIO_BASE 0x40020000u /* GPIOA, on AHB1 */
#define STM32_USART_V1 1            /* console: the F4 USART layout (SR/DR) */
#define STM32_PLL_OUT_DIV MF_CLOCK_PLL_P /* SYSCLK is the main PLL's P output */
#include "../stm32/common.h"
#include "../stm32/gpio.h"
#include "../stm32/usart.h"
#include "../stm32/f4f7.h"

/* Flash interface and power control */
#define FLASH_ACR REG(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
#define PWR_CR REG(0x40007000u)
#define PWR_CR_VOS (1u << 14) /* scale 1 (F405/407); F42x/43x use bits 15:14, 11 = scale 1 */

/* Console instances, indexed by instance number. */
#define CONSOLE_INDEX MF_CONSOLE_UART
static const uart_info consoles[] = {
    STM32F4F7_CONSOLES
};

static uint32_t sysclk_hz = HSI_HZ;

static void clock_init(void)
{
    uint32_t src;

    if (!clock_begin(&src)) {
        return; /* stay on HSI 16 MHz */
    }
    PWR_CR |= PWR_CR_VOS;
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | MF_CLOCK_FLASH_WS | FLASH_ACR_PRFTEN |
                FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    (void)FLASH_ACR;

    if (!pll_start(src) || !sysclk_to_pll()) {
        return;
    }
    sysclk_hz = MF_CPU_HZ;
}

#include "../stm32/board_api.h"
