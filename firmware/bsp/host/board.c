/*
 * The `host` board: the same runtime and generated code as on a microcontroller, built natively.
 * Console = stdin/stdout (binary, unbuffered), counter = CLOCK_MONOTONIC in nanoseconds,
 * timing pin = no-op, exit = exit(). Real-time clocks on a multitasking host are noisy: use the
 * host board for correctness, emulated or real boards for latency. The same file serves every Linux
 * board (cross-compiled): at exit the process reports its peak resident set on stderr,
 * `mcuforge: peak_rss_kb=N` (getrusage's ru_maxrss, KiB on Linux), for the host side to read.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "mcuforge/board.h"
#include "mcuforge/runtime.h"

static unsigned char rx_buf[4096];
static ssize_t rx_len;
static ssize_t rx_pos;

static void report_peak_rss(void)
{
    struct rusage usage;
    if (getrusage(RUSAGE_SELF, &usage) == 0) {
        fprintf(stderr, "mcuforge: peak_rss_kb=%ld\n", (long)usage.ru_maxrss);
    }
}

__attribute__((constructor)) static void host_init(void)
{
    mf_board_init();
    atexit(report_peak_rss);
}

void mf_board_init(void)
{
    rx_len = rx_pos = 0;
}

void mf_console_write(const uint8_t *data, uint32_t n)
{
    while (n) {
        const ssize_t w = write(1, data, n);
        if (w < 0) {
            if (errno == EINTR) {
                continue;
            }
            exit(2);
        }
        data += w;
        n -= (uint32_t)w;
    }
}

int mf_console_read(uint8_t *c)
{
    if (rx_pos >= rx_len) {
        ssize_t r;
        do {
            r = read(0, rx_buf, sizeof rx_buf);
        } while (r < 0 && errno == EINTR);
        if (r <= 0) {
            exit(0); /* the host closed the session */
        }
        rx_len = r;
        rx_pos = 0;
    }
    *c = rx_buf[rx_pos++];
    return 1;
}

void mf_timing_pin(int high)
{
    (void)high;
}

void mf_counter_init(void)
{
}

void mf_counter_align(void)
{
}

uint64_t mf_counter_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint32_t mf_counter_hz(void)
{
    return 1000000000u;
}

const char *mf_counter_source(void)
{
    return "monotonic_ns";
}

void mf_board_exit(int code, int semihost)
{
    (void)semihost;
    exit(code);
}

uint32_t mf_stack_size(void)
{
    return 0;
}

uint32_t mf_stack_used(void)
{
    return 0;
}

void mf_runtime_idle(void)
{
}
