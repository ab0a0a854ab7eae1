/*
 * Private to the STM32 board-support files (stm32f4/, stm32f7/, stm32l4/): the parts of their
 * register maps that are the same in all three families.
 *
 *  - Register access and the bounded wait on a ready flag (board.h: every wait is bounded).
 *  - The RCC bus prescaler encoding (PPRE1/PPRE2 fields: 0 = /1, 4..7 = /2../16).
 *  - GPIO ports: MODER, OSPEEDR, PUPDR, BSRR, AFRL/AFRH, one 0x400-byte block per port from
 *    STM32_GPIO_BASE (GPIOA), which the family file defines before including this header.
 *  - The console UART's descriptor (instance tables stay in the family file) and its bus clock.
 *  - The USART "v2" layout (CR1 UE at bit 0, BRR, ISR, ICR, RDR, TDR) of STM32F7 and STM32L4
 *    (USARTs and LPUART1), compiled when the family file defines STM32_USART_V2. STM32F4's older
 *    layout (SR/DR) stays in stm32f4/board.c.
 *
 * Everything family-specific stays in the family file: the clock tree, the RCC enable registers
 * and bits, the console instance table, special pins (L4's VDDIO2).
 */
#ifndef MF_BSP_STM32_COMMON_H
#define MF_BSP_STM32_COMMON_H

#include <stdint.h>

#include "mf_board_config.h"

#ifndef STM32_GPIO_BASE
#error "define STM32_GPIO_BASE (the address of GPIOA) before including stm32_common.h"
#endif

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

/* ---- GPIO ---------------------------------------------------------------------------------- */

#define GPIO_BASE(port) (STM32_GPIO_BASE + 0x400u * (uint32_t)(port))
#define GPIO_MODER(port) REG(GPIO_BASE(port) + 0x00u)
#define GPIO_OSPEEDR(port) REG(GPIO_BASE(port) + 0x08u)
#define GPIO_PUPDR(port) REG(GPIO_BASE(port) + 0x0Cu)
#define GPIO_BSRR(port) REG(GPIO_BASE(port) + 0x18u)
#define GPIO_AFR(port, pin) REG(GPIO_BASE(port) + 0x20u + 4u * ((uint32_t)(pin) >> 3))
#define GPIO_MODE_OUTPUT 1u
#define GPIO_MODE_AF 2u
#define GPIO_SPEED_HIGH 2u
#define GPIO_PULL_UP 1u

/* Configure one pin of a port whose clock is on: alternate function, high speed, pull, then mode. */
static inline void gpio_configure(uint32_t port, uint32_t pin, uint32_t mode, uint32_t af, uint32_t pull)
{
    uint32_t shift2 = 2u * pin;
    uint32_t shift4 = 4u * (pin & 7u);

    GPIO_AFR(port, pin) = (GPIO_AFR(port, pin) & ~(0xFu << shift4)) | (af << shift4);
    GPIO_OSPEEDR(port) = (GPIO_OSPEEDR(port) & ~(3u << shift2)) | (GPIO_SPEED_HIGH << shift2);
    GPIO_PUPDR(port) = (GPIO_PUPDR(port) & ~(3u << shift2)) | (pull << shift2);
    GPIO_MODER(port) = (GPIO_MODER(port) & ~(3u << shift2)) | (mode << shift2);
}

/* Drive an output pin high or low (one BSRR write). */
static inline void gpio_write(uint32_t port, uint32_t pin, int high)
{
    GPIO_BSRR(port) = high ? 1u << pin : 1u << (pin + 16u);
}

/* ---- console UART -------------------------------------------------------------------------- */

typedef struct {
    uint32_t base;
    uint32_t enr;     /* address of the RCC enable register */
    uint32_t enr_bit;
    uint32_t apb;     /* 1 or 2: the bus whose clock feeds the baud generator */
} uart_info;

/* The UART's bus clock: SYSCLK, divided by the bus prescaler once the PLL runs (clock_init sets the
 * dividers only together with the PLL, so sysclk_hz == MF_CPU_HZ tells which). */
static inline uint32_t uart_pclk(const uart_info *u, uint32_t sysclk_hz)
{
    uint32_t pclk = sysclk_hz;

    if (sysclk_hz == MF_CPU_HZ) {
        pclk /= u->apb == 2u ? MF_CLOCK_APB2_DIV : MF_CLOCK_APB1_DIV;
    }
    return pclk;
}

/* Switch the UART's clock on (the read back orders the write before the first register access). */
static inline void uart_clock_enable(const uart_info *u)
{
    REG(u->enr) |= 1u << u->enr_bit;
    (void)REG(u->enr);
}

#if defined(STM32_USART_V2)
#define USART_CR1(base) REG((base) + 0x00u)
#define USART_BRR(base) REG((base) + 0x0Cu)
#define USART_ISR(base) REG((base) + 0x1Cu)
#define USART_ICR(base) REG((base) + 0x20u)
#define USART_RDR(base) REG((base) + 0x24u)
#define USART_TDR(base) REG((base) + 0x28u)
#define USART_CR1_UE (1u << 0)
#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_ISR_ERRORS 0xFu /* PE, FE, NF, ORE; same bits in ICR */
#define USART_ISR_RXNE (1u << 5)
#define USART_ISR_TXE (1u << 7)

/* 8N1, transmitter and receiver on, at the baud rate register value brr. */
static inline void usart_start(uint32_t base, uint32_t brr)
{
    USART_CR1(base) = 0u;
    USART_BRR(base) = brr;
    USART_CR1(base) = USART_CR1_UE | USART_CR1_TE | USART_CR1_RE;
}

static inline void usart_write(uint32_t base, const uint8_t *data, uint32_t n)
{
    uint32_t i;

    for (i = 0u; i < n; i++) {
        (void)wait_bits(&USART_ISR(base), USART_ISR_TXE, USART_ISR_TXE);
        USART_TDR(base) = data[i];
    }
}

/* One received byte, if any (mf_console_read); receive errors are cleared. */
static inline int usart_read(uint32_t base, uint8_t *c)
{
    uint32_t isr = USART_ISR(base);

    if ((isr & USART_ISR_ERRORS) != 0u) {
        USART_ICR(base) = USART_ISR_ERRORS;
    }
    if ((isr & USART_ISR_RXNE) == 0u) {
        return 0;
    }
    *c = (uint8_t)USART_RDR(base);
    return 1;
}
#endif /* STM32_USART_V2 */

#endif /* MF_BSP_STM32_COMMON_H */
