/*
 * Board support for Arm MPS2/MPS3 FPGA images built from the Cortex-M System Design Kit
 * (AN386, AN500, AN505, AN547, ...), as modelled by QEMU.
 *
 * Clock: fixed by the FPGA image, nothing to set up.
 * Console: CMSDK APB UART at MF_CONSOLE_BASE (the address differs per image and per security
 * state: images with TrustZone boot Secure and use the Secure alias), 8N1, polled.
 * Timing pin: bit MF_TIMING_LED of the FPGAIO LED0 register at MF_TIMING_FPGAIO_BASE (QEMU does
 * not model the CMSDK GPIO blocks; the FPGAIO LEDs are traced by `-trace mps2_fpgaio_write`).
 *
 * Board configuration (mf_board_config.h):
 *   MF_CLOCK_APB_HZ            UART clock
 *   MF_CONSOLE_BASE, MF_CONSOLE_BAUD
 *   MF_TIMING_FPGAIO_BASE, MF_TIMING_LED
 */
#include <stdint.h>

#include "mcuforge/board.h"
#include "mf_board_config.h"

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define SPIN_LIMIT 200000u

/* CMSDK APB UART */
#define UART_DATA REG(MF_CONSOLE_BASE + 0x000u)
#define UART_STATE REG(MF_CONSOLE_BASE + 0x004u)
#define UART_CTRL REG(MF_CONSOLE_BASE + 0x008u)
#define UART_INTSTATUS REG(MF_CONSOLE_BASE + 0x00Cu) /* write 1 to clear */
#define UART_BAUDDIV REG(MF_CONSOLE_BASE + 0x010u)
#define UART_STATE_TXFULL (1u << 0)
#define UART_STATE_RXFULL (1u << 1)
#define UART_STATE_OVERRUNS (3u << 2) /* TX and RX overrun, write 1 to clear */
#define UART_CTRL_TXEN (1u << 0)
#define UART_CTRL_RXEN (1u << 1)
#define UART_BAUDDIV_MIN 16u

/* FPGA I/O: LED0 register */
#define FPGAIO_LED0 REG(MF_TIMING_FPGAIO_BASE + 0x000u)

void mf_board_init(void)
{
    uint32_t bauddiv = (MF_CLOCK_APB_HZ + MF_CONSOLE_BAUD / 2u) / MF_CONSOLE_BAUD;

    mf_timing_pin(0);
    UART_CTRL = 0u;
    UART_BAUDDIV = bauddiv < UART_BAUDDIV_MIN ? UART_BAUDDIV_MIN : bauddiv;
    UART_STATE = UART_STATE_OVERRUNS;
    UART_INTSTATUS = 0xFu;
    UART_CTRL = UART_CTRL_TXEN | UART_CTRL_RXEN;
}

void mf_console_write(const uint8_t *data, uint32_t n)
{
    uint32_t i, spins;

    for (i = 0u; i < n; i++) {
        for (spins = 0u; spins < SPIN_LIMIT && (UART_STATE & UART_STATE_TXFULL) != 0u; spins++) {
        }
        UART_DATA = data[i];
    }
}

int mf_console_read(uint8_t *c)
{
    uint32_t state = UART_STATE;

    if ((state & UART_STATE_OVERRUNS) != 0u) {
        UART_STATE = UART_STATE_OVERRUNS;
    }
    if ((state & UART_STATE_RXFULL) == 0u) {
        return 0;
    }
    *c = (uint8_t)UART_DATA;
    return 1;
}

void mf_timing_pin(int high)
{
    if (high) {
        FPGAIO_LED0 |= 1u << MF_TIMING_LED;
    } else {
        FPGAIO_LED0 &= ~(1u << MF_TIMING_LED);
    }
}
