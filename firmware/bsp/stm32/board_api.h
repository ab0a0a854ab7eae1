/*
 * The board.h functions of every STM32 family, written once over the family's hooks. A family's
 * board.c includes this header last, after defining:
 *   static uint32_t sysclk_hz;               SYSCLK now (MF_CPU_HZ once the PLL runs)
 *   static void clock_init(void);            the clock tree
 *   static void gpio_clock_on(uint32_t port, uint32_t pin);   the port's clock (and what the pin needs)
 *   static const uart_info consoles[];       the console instances, indexed by instance number
 *   CONSOLE_INDEX                            the board's console instance
 *   CONSOLE_BRR(pclk) (optional)             the baud rate register value; default: oversampling 16
 * and including common.h, gpio.h and usart.h.
 */
#ifndef MF_BSP_STM32_BOARD_API_H
#define MF_BSP_STM32_BOARD_API_H

#include <stdint.h>

#include "mcuforge/board.h"
#include "gpio.h"
#include "usart.h"

#ifndef CONSOLE_BRR
#define CONSOLE_BRR(pclk) (((pclk) + MF_CONSOLE_BAUD / 2u) / MF_CONSOLE_BAUD)
#endif

typedef char console_instance_exists[(CONSOLE_INDEX >= 1u &&
                                      CONSOLE_INDEX < sizeof(consoles) / sizeof(consoles[0]))
                                         ? 1
                                         : -1];

static void gpio_setup(uint32_t port, uint32_t pin, uint32_t mode, uint32_t af, uint32_t pull)
{
    gpio_clock_on(port, pin);
    gpio_configure(port, pin, mode, af, pull);
}

static void console_init(void)
{
    const uart_info *u = &consoles[CONSOLE_INDEX];
    uint32_t pclk = uart_pclk(u, sysclk_hz);

    uart_clock_enable(u);
    gpio_setup(MF_CONSOLE_TX_PORT, MF_CONSOLE_TX_PIN, GPIO_MODE_AF, MF_CONSOLE_AF, 0u);
    gpio_setup(MF_CONSOLE_RX_PORT, MF_CONSOLE_RX_PIN, GPIO_MODE_AF, MF_CONSOLE_AF, GPIO_PULL_UP);
    usart_start(u->base, CONSOLE_BRR(pclk));
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
    usart_write(consoles[CONSOLE_INDEX].base, data, n);
}

int mf_console_read(uint8_t *c)
{
    return usart_read(consoles[CONSOLE_INDEX].base, c);
}

void mf_timing_pin(int high)
{
    gpio_write(MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN, high);
}

#endif /* MF_BSP_STM32_BOARD_API_H */
