"""The timing pin: edges, pulses, and the two places they come from.

The firmware drives the board's timing pin high exactly while the model runs (``run_once`` in
firmware/runtime/main.c: one pulse per inference, warm-up included; ``profile`` pulses once per
operator). Edges come from

* QEMU's trace events for the GPIO model of the board's MCU family (``TRACE_FORMATS``; QEMU stamps
  them with the host's wall clock, never virtual time, so they prove pulse count and order, not
  widths), or
* a logic analyzer capture (:mod:`codegen.hil.sigrok`): the analyzer's own sample clock, so widths.

Trace formats register themselves in ``TRACE_FORMATS``; a board uses the first whose ``applies``
accepts it (by its MCU family and the keys of its ``[timing_pin]`` table, never by board name).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Protocol, Sequence

from codegen.boards import Board
from codegen.errors import McuforgeError


@dataclass(frozen=True)
class Edge:
    t: float     # seconds: capture time (logic analyzer) or host wall clock (QEMU trace)
    level: int   # the pin's level after the edge, 0 or 1


@dataclass(frozen=True)
class Pulse:
    start: float  # seconds, on the edges' clock
    width: float  # seconds high

    @property
    def end(self) -> float:
        return self.start + self.width


def pulses(edges: Iterable[Edge]) -> tuple[Pulse, ...]:
    """High pulses: each rising edge paired with the next falling edge. Repeated levels are not
    edges; a trace that starts high loses its partial first pulse, one that ends high its last."""
    out: list[Pulse] = []
    level: int | None = None
    rise: float | None = None
    for e in edges:
        if e.level == level:
            continue
        if e.level == 1:
            rise = e.t if level is not None else None  # first sample already high: partial pulse
        elif rise is not None:
            out.append(Pulse(start=rise, width=e.t - rise))
            rise = None
        level = e.level
    return tuple(out)


@dataclass(frozen=True)
class PinTiming:
    """What the timing pin showed during the timed inferences, beside the counter's numbers."""

    source: str                         # "QEMU trace mps2_fpgaio_write", "logic analyzer demo D0 at 1 MHz"
    expected: int                       # pulses the requests should have made
    observed: int                       # pulses seen in the window of those requests
    order_ok: bool                      # every pulse complete, and inside the request that caused it
    widths_us: tuple[float, ...] = ()   # per timed inference (logic analyzer only)
    resolution_us: float | None = None  # one sample of the analyzer
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.order_ok and self.observed == self.expected


# --- QEMU trace events -----------------------------------------------------------------------------

_LOG_LINE = re.compile(r"(?:\d+@(?P<ts>\d+\.\d+):)?(?P<event>\w+) (?P<msg>.*)")


class TraceFormat(Protocol):
    name: str
    events: tuple[str, ...]  # QEMU trace event names (`-trace NAME`)

    def applies(self, board: Board) -> bool: ...

    def level(self, board: Board, event: str, message: str) -> int | None:
        """The timing pin's level after this trace event, or None if the event is about something else."""
        ...


TRACE_FORMATS: list[TraceFormat] = []


def register_trace_format(fmt: TraceFormat) -> TraceFormat:
    TRACE_FORMATS.append(fmt)
    return fmt


def trace_format_for(board: Board) -> TraceFormat:
    for f in TRACE_FORMATS:
        if f.applies(board):
            return f
    known = ", ".join(f.name for f in TRACE_FORMATS)
    raise McuforgeError(f"QEMU has no trace event for the timing pin of {board.name} (family {board.family})",
                        hint=f"GPIO traces exist for: {known}; register a TraceFormat in codegen/hil/gpio.py "
                             "for another QEMU GPIO model")


def qemu_trace_args(board: Board, log: Path) -> list[str]:
    """QEMU options that log the board's timing-pin changes to `log`, with host timestamps."""
    args: list[str] = []
    for ev in trace_format_for(board).events:
        args += ["-trace", ev]
    return args + ["-D", str(log), "-msg", "timestamp=on"]


def read_qemu_trace(board: Board, lines: Iterable[str]) -> tuple[Edge, ...]:
    """Timing-pin edges from a QEMU log written with :func:`qemu_trace_args` (changes only)."""
    fmt = trace_format_for(board)
    events = set(fmt.events)
    out: list[Edge] = []
    level: int | None = None
    for n, line in enumerate(lines):
        m = _LOG_LINE.match(line.strip())
        if not m or m.group("event") not in events:
            continue
        new = fmt.level(board, m.group("event"), m.group("msg"))
        if new is None or new == level:
            continue
        t = float(m.group("ts")) if m.group("ts") else float(n)  # without -msg timestamp=on: order only
        out.append(Edge(t=t, level=new))
        level = new
    return tuple(out)


def _hex(s: str) -> int:
    return int(s, 16)


class Stm32l4x5GpioTrace:
    """QEMU's STM32L4x5 GPIO model: `stm32l4x5_gpio_update_idr GPIOA from: 0xa000 to: 0xa020`."""

    name = "stm32l4x5_gpio_update_idr"
    events = ("stm32l4x5_gpio_update_idr",)
    families = ("stm32l4",)
    _MSG = re.compile(r"GPIO(?P<port>[A-K]) from: 0x(?P<old>[0-9a-f]+) to: 0x(?P<new>[0-9a-f]+)")

    def applies(self, board: Board) -> bool:
        return board.family in self.families and isinstance(board.timing_pin.get("pin"), str)

    def level(self, board: Board, event: str, message: str) -> int | None:
        pin = str(board.timing_pin["pin"])  # "PA5"
        m = self._MSG.search(message)
        if not m or m.group("port") != pin[1]:
            return None
        return (_hex(m.group("new")) >> int(pin[2:])) & 1


class Mps2FpgaioLedTrace:
    """The MPS2/MPS3 FPGA I/O block (CMSDK boards: QEMU models no CMSDK GPIO, the firmware drives an
    LED bit): `mps2_fpgaio_write MPS2 FPGAIO write: offset 0x0 data 0x1 size 4`, LED0 at offset 0."""

    name = "mps2_fpgaio_write"
    events = ("mps2_fpgaio_write",)
    families = ("cmsdk",)
    _MSG = re.compile(r"offset 0x(?P<off>[0-9a-f]+) data 0x(?P<data>[0-9a-f]+)")
    LED0_OFFSET = 0x0

    def applies(self, board: Board) -> bool:
        return board.family in self.families and isinstance(board.timing_pin.get("led"), int)

    def level(self, board: Board, event: str, message: str) -> int | None:
        m = self._MSG.search(message)
        if not m or _hex(m.group("off")) != self.LED0_OFFSET:
            return None
        return (_hex(m.group("data")) >> int(board.timing_pin["led"])) & 1


register_trace_format(Stm32l4x5GpioTrace())
register_trace_format(Mps2FpgaioLedTrace())


# --- matching pulses to the requests that made them -----------------------------------------------

class _Exchange(Protocol):  # codegen.hil.dut.Exchange
    request: str
    sent: float
    done: float


def pulses_per_exchange(found: Sequence[Pulse], exchanges: Sequence[_Exchange],
                        slack: float = 2e-6) -> tuple[list[tuple[_Exchange, tuple[Pulse, ...]]], tuple[Pulse, ...]]:
    """Assign host-clock pulses (QEMU trace) to the request during which each one happened: from the
    request's send to its reply (QEMU logs whole microseconds, hence a little slack). Returns
    [(exchange, its pulses)] in request order, and the pulses inside no request."""
    groups: list[tuple[_Exchange, list[Pulse]]] = [(x, []) for x in exchanges]
    stray: list[Pulse] = []
    for p in found:
        inside = [ps for x, ps in groups if x.sent - slack <= p.start and p.end <= x.done + slack]
        if len(inside) == 1:
            inside[0].append(p)
        else:
            stray.append(p)  # in no request, or ambiguous
    return [(x, tuple(ps)) for x, ps in groups], tuple(stray)


def trace_timing(board: Board, log: Path, exchanges: Sequence[_Exchange], expected: dict[str, int]) -> PinTiming:
    """Check a QEMU GPIO trace against the requests: every ``infer``/``profile`` request must have made
    exactly the pulses it should (``expected``: request body -> pulses) inside its own time window,
    and no pulse may fall outside a request."""
    fmt = trace_format_for(board)
    if not log.is_file():
        raise McuforgeError(f"QEMU wrote no trace log at {log}", hint="is the trace event compiled into this QEMU? "
                                                                  "(`qemu-system-arm -trace help`)")
    found = pulses(read_qemu_trace(board, log.read_text(errors="replace").splitlines()))
    groups, stray = pulses_per_exchange(found, exchanges)
    want = got = 0
    order_ok = not stray
    for x, ps in groups:
        body = getattr(x, "body", x.request)
        if body in expected:
            want += expected[body]
            got += len(ps)
            order_ok &= len(ps) == expected[body]
        elif ps:
            order_ok = False  # a request that should not touch the pin did
    note = "QEMU stamps trace events with the host clock: pulse count and order only, no widths"
    if stray:
        note += f"; {len(stray)} pulse(s) outside every request"
    return PinTiming(source=f"QEMU trace {fmt.name}", expected=want, observed=got, order_ok=order_ok, note=note)
