"""What one tick of the device's counter means: QEMU instructions (deterministic under -icount),
DWT or SysTick cycles on hardware, nanoseconds on the host board."""

from __future__ import annotations

from codegen.boards import Board
from codegen.hil.protocol import DeviceInfo
from codegen.hil.records import CountUnit

ICOUNT_SHIFT = 0  # QEMU's -icount shift: one guest instruction per 2^shift ns of virtual time


def unit_for(board: Board, info: DeviceInfo, emulated: bool) -> CountUnit:
    """What one counter tick means: QEMU instructions, DWT or SysTick cycles, or host nanoseconds."""
    if info.counter == "monotonic_ns":
        return CountUnit("ns", 1.0, 1_000_000_000, "wall clock of the build machine (noisy)")
    if emulated:
        per_tick = 1e9 / (info.counter_hz * (1 << ICOUNT_SHIFT))
        return CountUnit("instructions", per_tick, board.cpu_hz,
                         f"QEMU -icount shift={ICOUNT_SHIFT}: SysTick at {info.counter_hz / 1e6:g} MHz of virtual "
                         f"time = {per_tick:g} instructions per tick; latency estimated at 1 instruction per "
                         f"cycle at {board.cpu_hz / 1e6:g} MHz")
    if info.counter == "dwt":
        return CountUnit("cycles", 1.0, board.cpu_hz, f"DWT cycle counter at {board.cpu_hz / 1e6:g} MHz")
    return CountUnit("cycles", board.cpu_hz / info.counter_hz, board.cpu_hz,
                     f"SysTick at {info.counter_hz / 1e6:g} MHz")
