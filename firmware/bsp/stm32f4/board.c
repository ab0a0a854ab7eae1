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
#include "../stm32_common.h"
#include "../stm32f4f7_rcc.h"

/* Flash interface and power control */
#define FLASH_ACR REG(0x40023C00u)
#define FLASH_ACR_LATENCY_MASK 0xFu
#define FLASH_ACR_PRFTEN (1u << 8)
#define FLASH_ACR_ICEN (1u << 9)
#define FLASH_ACR_DCEN (1u << 10)
#define PWR_CR REG(0x40007000u)
#define PWR_CR_VOS (1u << 14) /* scale 1 (F405/407); F42x/43x use bits 15:14, 11 = scale 1 */

/* USART (F4 layout: the older SR/DR one, not stm32_common.h's v2) */
#define USART_SR(base) REG((base) + 0x00u)
#define USART_DR(base) REG((base) + 0x04u)
#define USART_BRR(base) REG((base) + 0x08u)
#define USART_CR1(base) REG((base) + 0x0Cu)
#define USART_SR_RXNE (1u << 5)
#define USART_SR_TXE (1u << 7)
#define USART_SR_ERRORS 0xFu /* PE, FE, NF, ORE: cleared by reading SR then DR */
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_CR1_UE (1u << 13)

/* Indexed by instance number. */
static const uart_info consoles[] = {
    [1] = {0x40011000u, RCC_BASE + 0x44u, 4u, 2u},  /* USART1, APB2ENR */
    [2] = {0x40004400u, RCC_BASE + 0x40u, 17u, 1u}, /* USART2, APB1ENR */
    [3] = {0x40004800u, RCC_BASE + 0x40u, 18u, 1u}, /* USART3 */
    [4] = {0x40004C00u, RCC_BASE + 0x40u, 19u, 1u}, /* UART4 */
    [5] = {0x40005000u, RCC_BASE + 0x40u, 20u, 1u}, /* UART5 */
    [6] = {0x40011400u, RCC_BASE + 0x44u, 5u, 2u},  /* USART6 */
};
typedef char console_instance_exists[(MF_CONSOLE_UART >= 1u &&
                                      MF_CONSOLE_UART < sizeof(consoles) / sizeof(consoles[0]))
                                         ? 1
                                         : -1];

static uint32_t sysclk_hz = HSI_HZ;

static void clock_init(void)
{
    uint32_t src;
    uint32_t input_hz = pll_input(&src);

    if (input_hz == 0u || pll_output_hz(input_hz) != MF_CPU_HZ) {
        RCC_CR &= ~(RCC_CR_HSEON | RCC_CR_HSEBYP);
        return; /* stay on HSI 16 MHz */
    }
    RCC_APB1ENR |= RCC_APB1ENR_PWREN;
    (void)RCC_APB1ENR;
    PWR_CR |= PWR_CR_VOS;
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | MF_CLOCK_FLASH_WS | FLASH_ACR_PRFTEN |
                FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    (void)FLASH_ACR;

    if (!pll_start(src) || !sysclk_to_pll()) {
        return;
    }
    sysclk_hz = MF_CPU_HZ;
}

static void gpio_setup(uint32_t port, uint32_t pin, uint32_t mode, uint32_t af, uint32_t pull)
{
    RCC_AHB1ENR |= 1u << port;
    (void)RCC_AHB1ENR;
    gpio_configure(port, pin, mode, af, pull);
}

static void console_init(void)
{
    const uart_info *u = &consoles[MF_CONSOLE_UART];
    uint32_t pclk = uart_pclk(u, sysclk_hz);

    uart_clock_enable(u);
    gpio_setup(MF_CONSOLE_TX_PORT, MF_CONSOLE_TX_PIN, GPIO_MODE_AF, MF_CONSOLE_AF, 0u);
    gpio_setup(MF_CONSOLE_RX_PORT, MF_CONSOLE_RX_PIN, GPIO_MODE_AF, MF_CONSOLE_AF, GPIO_PULL_UP);
    USART_CR1(u->base) = 0u;
    USART_BRR(u->base) = (pclk + MF_CONSOLE_BAUD / 2u) / MF_CONSOLE_BAUD; /* oversampling 16 */
    USART_CR1(u->base) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

void mf_board_init(void)
{
    clock_init();
    gpio_setup(MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN, GPIO_MODE_OUTPUT, 0u, 0u);
    mf_timing_pin(0);
    console_init();
}

void mf_console_write(const uint8_t *data, uint32_t n)
{
    uint32_t base = consoles[MF_CONSOLE_UART].base;
    uint32_t i;

    for (i = 0u; i < n; i++) {
        (void)wait_bits(&USART_SR(base), USART_SR_TXE, USART_SR_TXE);
        USART_DR(base) = data[i];
    }
}

int mf_console_read(uint8_t *c)
{
    uint32_t base = consoles[MF_CONSOLE_UART].base;
    uint32_t sr = USART_SR(base);

    if ((sr & USART_SR_RXNE) != 0u) {
        *c = (uint8_t)USART_DR(base); /* also clears ORE/FE/NF after the SR read */
        return 1;
    }
    if ((sr & USART_SR_ERRORS) != 0u) {
        (void)USART_DR(base);
    }
    return 0;
}

void mf_timing_pin(int high)
{
    gpio_write(MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN, high);
}
