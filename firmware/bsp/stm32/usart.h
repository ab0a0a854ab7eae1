/*
 * STM32 USART/UART/LPUART as a polled 8N1 console: the instance descriptor (the instance tables stay
 * in the family's board.c), its bus clock, and the two register layouts behind one set of functions
 * (usart_start, usart_write, usart_read):
 *  - STM32_USART_V1: F4's (SR, DR; CR1 UE at bit 13);
 *  - STM32_USART_V2: F7's and L4's, LPUART1 too (ISR, ICR, RDR, TDR; CR1 UE at bit 0).
 * The family's board.c defines one of the two before including this header.
 */
#ifndef MF_BSP_STM32_USART_H
#define MF_BSP_STM32_USART_H

#include <stdint.h>

#include "common.h"

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

#define USART_CR1_RE (1u << 2)
#define USART_CR1_TE (1u << 3)
#define USART_RXNE (1u << 5)   /* in SR (v1) and ISR (v2) */
#define USART_TXE (1u << 7)
#define USART_ERRORS 0xFu      /* PE, FE, NF, ORE */

#if defined(STM32_USART_V1)
#define USART_STATUS(base) REG((base) + 0x00u) /* SR */
#define USART_DR(base) REG((base) + 0x04u)
#define USART_BRR(base) REG((base) + 0x08u)
#define USART_CR1(base) REG((base) + 0x0Cu)
#define USART_CR1_UE (1u << 13)
#define USART_RX(base) USART_DR(base)
#define USART_TX(base) USART_DR(base)
#elif defined(STM32_USART_V2)
#define USART_CR1(base) REG((base) + 0x00u)
#define USART_BRR(base) REG((base) + 0x0Cu)
#define USART_STATUS(base) REG((base) + 0x1Cu) /* ISR */
#define USART_ICR(base) REG((base) + 0x20u)
#define USART_RX(base) REG((base) + 0x24u)     /* RDR */
#define USART_TX(base) REG((base) + 0x28u)     /* TDR */
#define USART_CR1_UE (1u << 0)
#else
#error "define STM32_USART_V1 (F4) or STM32_USART_V2 (F7, L4) before including stm32/usart.h"
#endif

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
        (void)wait_bits(&USART_STATUS(base), USART_TXE, USART_TXE);
        USART_TX(base) = data[i];
    }
}

/* One received byte, if any (mf_console_read); receive errors are cleared. */
static inline int usart_read(uint32_t base, uint8_t *c)
{
    uint32_t status = USART_STATUS(base);

#if defined(STM32_USART_V1)
    if ((status & USART_RXNE) != 0u) {
        *c = (uint8_t)USART_DR(base); /* also clears ORE/FE/NF after the SR read */
        return 1;
    }
    if ((status & USART_ERRORS) != 0u) {
        (void)USART_DR(base);
    }
    return 0;
#else
    if ((status & USART_ERRORS) != 0u) {
        USART_ICR(base) = USART_ERRORS; /* same bits in ICR */
    }
    if ((status & USART_RXNE) == 0u) {
        return 0;
    }
    *c = (uint8_t)USART_RX(base);
    return 1;
#endif
}

#endif /* MF_BSP_STM32_USART_H */
