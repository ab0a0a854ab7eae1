"""From the plugin's windows to estimated cycles: per measured span (an inference, an operator), per
function, checked against the firmware's own counter.

Every number made here is an *estimate* (instruction classes x a core's timing table); the
instruction counts it carries are exact (the plugin counts every executed instruction).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from codegen.cycles.costs import CostTable
from codegen.cycles.counts import EventCounts, Window
from codegen.cycles.plugin import PluginError, Probe, WindowReader

LABEL = "estimate"


@dataclass(frozen=True)
class SpanEstimate:
    """One measured span: exact instructions, estimated cycles, the classes behind them."""

    instructions: int
    cycles: float
    classes: EventCounts


@dataclass(frozen=True)
class FunctionEstimate:
    """Where a span's time went: one function's exact instructions and estimated cycles (run.json's
    ``estimated_cycles.functions`` rows)."""

    name: str
    instructions: int
    estimated_cycles: float


# Shaped like lowering.Step and prep.channels._Node (`duplicates` pairs): a few named fields, nothing
# else in common, so no shared code.
@dataclass(frozen=True)
class CycleModel:
    """Which timing table made an estimate, and what it leaves out (for reports)."""

    table: str
    title: str
    file: str
    ignores: tuple[str, ...]

    @staticmethod
    def of(table: CostTable) -> CycleModel:
        return CycleModel(table.core, table.title, f"boards/timing/{table.path.name}", table.ignores)

    def to_json(self) -> dict:
        return {"label": LABEL, "table": self.table, "title": self.title, "file": self.file,
                "ignores": list(self.ignores)}


def spans(windows: Sequence[Window], table: CostTable) -> tuple[SpanEstimate, ...]:
    return tuple(SpanEstimate(w.instructions, table.cycles(w.total), w.total) for w in windows)


def functions(window: Window, probe: Probe, table: CostTable) -> tuple[FunctionEstimate, ...]:
    """Where one span's instructions ran, by function, most estimated cycles first."""
    rows = [FunctionEstimate(probe.range_name(r), c.instructions, table.cycles(c)) for r, c in window.rows]
    return tuple(sorted(rows, key=lambda f: (-f.estimated_cycles, f.name)))


def check_against_counter(windows: Sequence[Window], counted: Sequence[float], per_tick: float,
                          what: str) -> None:
    """The plugin and the firmware's counter must see the same spans: each window's exact instruction
    count within one counter tick of the counter's instruction count (QEMU -icount)."""
    if len(windows) != len(counted):
        raise PluginError(f"the cycle plugin saw {len(windows)} {what}, the firmware measured {len(counted)}",
                          hint="the firmware must read its counter (mf_counter_now) exactly twice per measurement")
    for k, (w, c) in enumerate(zip(windows, counted)):
        if abs(w.instructions - c) > per_tick + 1:
            raise PluginError(f"{what} {k}: the cycle plugin counted {w.instructions:,} instructions, the "
                              f"firmware's counter {c:,.0f} (one tick = {per_tick:g} instructions)",
                              hint="the plugin's marker is not the firmware's counter read: rebuild the firmware "
                                   "and the plugin (python -m codegen.cycles.plugin)")


def timed_windows(reader: WindowReader, counted: Sequence[float], per_tick: float, what: str, timeout: float,
                  written: int | None = None) -> list[Window]:
    """The windows of a request's timed spans (the last `len(counted)` written; `written`: how many
    the request writes at least, e.g. one more for a warm-up), checked against the counter."""
    n = len(counted)
    windows = reader.drain(written if written is not None else n, timeout)[-n:] if n else []
    check_against_counter(windows, counted, per_tick, what)
    return windows
