/*
 * Deliberate failures for testing the host side (the `selftest` request, docs/PROTOCOL.md):
 * a HardFault that the fault handlers report, and a hang that only a timeout ends.
 */
#ifndef MF_RUNTIME_SELFTEST_H
#define MF_RUNTIME_SELFTEST_H

/* Raise a HardFault (Cortex-M: reported as a `fault` event, then the core parks); on the host,
 * trap (the process dies with SIGILL or SIGTRAP). Never returns. */
void mf_selftest_hardfault(void) __attribute__((noreturn));

/* Spin forever without reading the console: the host's request times out. Never returns. */
void mf_selftest_hang(void) __attribute__((noreturn));

#endif /* MF_RUNTIME_SELFTEST_H */
