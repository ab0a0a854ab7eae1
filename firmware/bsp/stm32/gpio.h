/*
 * STM32 GPIO (F4, F7, L4: the same port block): MODER, OSPEEDR, PUPDR, BSRR, AFRL/AFRH, one 0x400-byte
 * block per port from STM32_GPIO_BASE (GPIOA), which the family's board.c defines before including
 * this header. The port clocks are the family's (gpio_clock_on, board_api.h).
 */
#ifndef MF_BSP_STM32_GPIO_H
#define MF_BSP_STM32_GPIO_H

#include <stdint.h>

#include "common.h"

#ifndef STM32_GPIO_BASE
#error "define STM32_GPIO_BASE (the address of GPIOA) before including stm32/gpio.h"
#endif

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

#endif /* MF_BSP_STM32_GPIO_H */
