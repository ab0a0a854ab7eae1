/*
 * mcuforge board support: what every board-support package (firmware/bsp/<family>/) provides.
 *
 * A BSP is chosen by the board file's `family` field and configured by the generated
 * header "mf_board_config.h" (one #define per board-data field, see README "Adding a board"):
 *
 *   MF_BOARD_NAME            "stm32l475"
 *   MF_CPU_HZ                core clock after mf_board_init(), Hz
 *   MF_COUNTER_HZ            rate of the SysTick fallback counter, Hz
 *   MF_CONSOLE_<KEY>         every key of the board's [console] table (pins split into
 *                            _PORT/_PIN pairs: tx = "PB6" -> MF_CONSOLE_TX_PORT 1, MF_CONSOLE_TX_PIN 6)
 *   MF_CLOCK_<KEY>           every key of the board's [clock] table
 *   MF_TIMING_<KEY>          every key of the board's [timing_pin] table (same pin splitting)
 *
 * Every wait on hardware in a BSP is bounded (a spin count), since emulators do not model every
 * ready flag and a board with a broken clock must still report over the console.
 */
#ifndef MCUFORGE_BOARD_H
#define MCUFORGE_BOARD_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Clocks, console UART (8N1 at MF_CONSOLE_BAUD), timing pin (output, low). Called once from reset. */
void mf_board_init(void);

/* Blocking write of n bytes to the console UART. */
void mf_console_write(const uint8_t *data, uint32_t n);

/* Non-blocking read: stores one received byte in *c and returns 1, or returns 0 when none is waiting. */
int mf_console_read(uint8_t *c);

/* Drive the timing pin: high for the duration of each inference, low otherwise. */
void mf_timing_pin(int high);

/* Free-running counter for latency: DWT->CYCCNT when it counts (real Cortex-M3/M4/M7/M33/M55),
 * else SysTick at MF_COUNTER_HZ extended to 64 bits by its wrap interrupt; on the host, a
 * monotonic clock in nanoseconds. */
void mf_counter_init(void);
uint64_t mf_counter_now(void);
/* Restart the counter's tick grid just before a measurement, so that the ticks counted over the same
 * instructions are the same every time (SysTick under QEMU -icount counts virtual time in ticks of
 * several instructions; without this, a measurement could differ by one tick with its phase).
 * Counter values read before the call must not be compared with values read after it. */
void mf_counter_align(void);
uint32_t mf_counter_hz(void);
const char *mf_counter_source(void); /* "dwt", "systick" or "monotonic_ns" */

/* End the program. With semihost != 0 (only sent by the QEMU driver), exit through semihosting
 * SYS_EXIT so the emulator terminates with `code`; otherwise park the core (real boards). */
void mf_board_exit(int code, int semihost);

/* Fault details the Cortex-M fault handlers collect (firmware/cortexm/fault.c) and hand to the
 * runtime, which reports them on the console as a `fault` event before parking the core. */
typedef struct {
    const char *kind; /* "hardfault", "memmanage", "busfault", "usagefault" */
    uint32_t r0, r1, r2, r3, r12, lr, pc, xpsr;
    uint32_t cfsr, hfsr, mmfar, bfar, sp;
} mf_fault_info;

/* Implemented by the runtime (firmware/runtime/); never returns. */
void mf_runtime_fault(const mf_fault_info *info);

#ifdef __cplusplus
}
#endif

#endif /* MCUFORGE_BOARD_H */
