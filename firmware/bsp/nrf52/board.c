/*
 * Board support for the Nordic nRF52 family (nRF52832, nRF52833, nRF52840).
 *
 * Clock: the CPU always runs at 64 MHz; mf_board_init() starts the external 32 MHz crystal
 * (HFXO, bounded wait: on failure the internal RC stays in use) for an accurate UART baud rate
 * and enables the flash instruction cache.
 * Console: legacy UART0 (EasyDMA-free, polled), 8N1.
 * Timing pin: any GPIO, push-pull output, high = inferring (at the pin: on the nRF52840-DK the
 * LEDs are active low, so an LED used as timing pin is lit while idle).
 *
 * Board configuration (mf_board_config.h):
 *   MF_CLOCK_SOURCE_HFXO | MF_CLOCK_SOURCE_HFINT  (source = "hfxo" | "hfint")
 *   MF_CONSOLE_UART (0), MF_CONSOLE_TX/RX_PORT/_PIN, MF_CONSOLE_BAUD
 *   MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN
 */
#include <stdint.h>

#include "mcuforge/board.h"
#include "mf_board_config.h"

#define REG(addr) (*(volatile uint32_t *)(uintptr_t)(addr))
#define SPIN_LIMIT 500000u

/* Clock control */
#define CLOCK_BASE 0x40000000u
#define CLOCK_TASKS_HFCLKSTART REG(CLOCK_BASE + 0x000u)
#define CLOCK_EVENTS_HFCLKSTARTED REG(CLOCK_BASE + 0x100u)

/* Non-volatile memory controller: instruction cache */
#define NVMC_ICACHECNF REG(0x4001E540u)
#define NVMC_ICACHECNF_CACHEEN (1u << 0)

/* GPIO */
#define GPIO_BASE(port) (0x50000000u + 0x300u * (uint32_t)(port))
#define GPIO_OUTSET(port) REG(GPIO_BASE(port) + 0x508u)
#define GPIO_OUTCLR(port) REG(GPIO_BASE(port) + 0x50Cu)
#define GPIO_PIN_CNF(port, pin) REG(GPIO_BASE(port) + 0x700u + 4u * (uint32_t)(pin))
#define GPIO_PIN_CNF_OUTPUT 0x3u /* DIR = output, input buffer disconnected, S0S1 */
#define GPIO_PIN_CNF_INPUT 0x0u  /* DIR = input, input buffer connected, no pull */

/* UART (legacy, no EasyDMA) */
#define UART_TASKS_STARTRX(base) REG((base) + 0x000u)
#define UART_TASKS_STARTTX(base) REG((base) + 0x008u)
#define UART_EVENTS_RXDRDY(base) REG((base) + 0x108u)
#define UART_EVENTS_TXDRDY(base) REG((base) + 0x11Cu)
#define UART_EVENTS_ERROR(base) REG((base) + 0x124u)
#define UART_ERRORSRC(base) REG((base) + 0x480u)
#define UART_ENABLE(base) REG((base) + 0x500u)
#define UART_PSEL_RTS(base) REG((base) + 0x508u)
#define UART_PSEL_TXD(base) REG((base) + 0x50Cu)
#define UART_PSEL_CTS(base) REG((base) + 0x510u)
#define UART_PSEL_RXD(base) REG((base) + 0x514u)
#define UART_RXD(base) REG((base) + 0x518u)
#define UART_TXD(base) REG((base) + 0x51Cu)
#define UART_BAUDRATE(base) REG((base) + 0x524u)
#define UART_CONFIG(base) REG((base) + 0x56Cu)
#define UART_ENABLE_UART 4u
#define UART_PSEL_DISCONNECTED 0xFFFFFFFFu
#define UART_CONFIG_8N1 0u
#define PSEL(port, pin) ((uint32_t)(pin) | ((uint32_t)(port) << 5))

/* Indexed by instance number. */
static const uint32_t consoles[] = {
    [0] = 0x40002000u, /* UART0 (shares its address with UARTE0) */
};
typedef char console_instance_exists[MF_CONSOLE_UART < sizeof(consoles) / sizeof(consoles[0])
                                         ? 1
                                         : -1];

#define CONSOLE_BASE consoles[MF_CONSOLE_UART]

static int wait_event(volatile uint32_t *event)
{
    uint32_t spins;

    for (spins = 0u; spins < SPIN_LIMIT; spins++) {
        if (*event != 0u) {
            return 1;
        }
    }
    return 0;
}

/* BAUDRATE register: baud * 2^32 / 16 MHz, rounded to the 4096 steps the UART implements
 * (115200 -> 0x01D7E000, the value of the datasheet table). */
static uint32_t baudrate_register(uint32_t baud)
{
    uint64_t value = ((uint64_t)baud << 32) / 16000000u;

    return (uint32_t)((value + 0x800u) & 0xFFFFF000u);
}

static void clock_init(void)
{
    NVMC_ICACHECNF |= NVMC_ICACHECNF_CACHEEN;
#if defined(MF_CLOCK_SOURCE_HFXO)
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
    CLOCK_TASKS_HFCLKSTART = 1u;
    (void)wait_event(&CLOCK_EVENTS_HFCLKSTARTED); /* on timeout HFINT keeps running */
    CLOCK_EVENTS_HFCLKSTARTED = 0u;
#elif !defined(MF_CLOCK_SOURCE_HFINT)
#error "[clock] source: expected \"hfxo\" or \"hfint\""
#endif
}

static void console_init(void)
{
    uint32_t base = CONSOLE_BASE;

    GPIO_OUTSET(MF_CONSOLE_TX_PORT) = 1u << MF_CONSOLE_TX_PIN; /* idle high before connecting */
    GPIO_PIN_CNF(MF_CONSOLE_TX_PORT, MF_CONSOLE_TX_PIN) = GPIO_PIN_CNF_OUTPUT;
    GPIO_PIN_CNF(MF_CONSOLE_RX_PORT, MF_CONSOLE_RX_PIN) = GPIO_PIN_CNF_INPUT;
    UART_ENABLE(base) = 0u;
    UART_PSEL_TXD(base) = PSEL(MF_CONSOLE_TX_PORT, MF_CONSOLE_TX_PIN);
    UART_PSEL_RXD(base) = PSEL(MF_CONSOLE_RX_PORT, MF_CONSOLE_RX_PIN);
    UART_PSEL_RTS(base) = UART_PSEL_DISCONNECTED;
    UART_PSEL_CTS(base) = UART_PSEL_DISCONNECTED;
    UART_BAUDRATE(base) = baudrate_register(MF_CONSOLE_BAUD);
    UART_CONFIG(base) = UART_CONFIG_8N1;
    UART_ENABLE(base) = UART_ENABLE_UART;
    UART_EVENTS_TXDRDY(base) = 0u;
    UART_EVENTS_RXDRDY(base) = 0u;
    UART_TASKS_STARTTX(base) = 1u;
    UART_TASKS_STARTRX(base) = 1u;
}

void mf_board_init(void)
{
    clock_init();
    mf_timing_pin(0);
    GPIO_PIN_CNF(MF_TIMING_PIN_PORT, MF_TIMING_PIN_PIN) = GPIO_PIN_CNF_OUTPUT;
    console_init();
}

void mf_console_write(const uint8_t *data, uint32_t n)
{
    uint32_t base = CONSOLE_BASE;
    uint32_t i;

    for (i = 0u; i < n; i++) {
        UART_TXD(base) = data[i];
        (void)wait_event(&UART_EVENTS_TXDRDY(base));
        UART_EVENTS_TXDRDY(base) = 0u;
    }
}

int mf_console_read(uint8_t *c)
{
    uint32_t base = CONSOLE_BASE;

    if (UART_EVENTS_ERROR(base) != 0u) {
        UART_EVENTS_ERROR(base) = 0u;
        UART_ERRORSRC(base) = UART_ERRORSRC(base); /* write 1 to clear */
    }
    if (UART_EVENTS_RXDRDY(base) == 0u) {
        return 0;
    }
    UART_EVENTS_RXDRDY(base) = 0u; /* clear before reading RXD: the next byte raises it again */
    *c = (uint8_t)UART_RXD(base);
    return 1;
}

void mf_timing_pin(int high)
{
    if (high) {
        GPIO_OUTSET(MF_TIMING_PIN_PORT) = 1u << MF_TIMING_PIN_PIN;
    } else {
        GPIO_OUTCLR(MF_TIMING_PIN_PORT) = 1u << MF_TIMING_PIN_PIN;
    }
}
