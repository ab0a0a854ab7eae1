"""The study's progress: a bar with the trial's stage and the best so far.

On a terminal one status line is redrawn in place (carriage return and erase-line) while a trial
trains, quantises, builds and runs, and each finished trial leaves one line above it. Anywhere else
(a CI log, a file, a pipe) nothing is redrawn: each trial prints the line it starts with and the line it
ends with, and stages are not printed at all, so the log reads top to bottom without control
characters.
"""

from __future__ import annotations

import sys
import time
from typing import Sequence, TextIO

from codegen.term import kb
from codegen.tune.records import TrialRecord, TrialState, pareto_front

BAR = 20


def best_of(trials: Sequence[TrialRecord]) -> TrialRecord | None:
    """The best so far: the most accurate trial within budget (then the fastest, then the smallest)."""
    ok = [t for t in trials if t.feasible]
    if not ok:
        return None
    return min(ok, key=lambda t: (-(t.accuracy or 0.0), t.latency_ms or 0.0, t.ram_bytes or 0, t.number))


def describe(t: TrialRecord) -> str:
    """One trial's outcome in a line."""
    if t.state == TrialState.MEASURED:
        acc = f"{100 * (t.accuracy or 0):.1f}%"
        fl = f" (float {100 * t.float_accuracy:.1f}%)" if t.float_accuracy is not None else ""
        lat = f"{t.latency_ms:.3g} ms" if t.latency_ms is not None else "-"
        over = f"  OVER BUDGET: {'; '.join(t.violations)}" if t.violations else ""
        return f"{acc}{fl}, {lat}, RAM {kb(t.ram_bytes)}, flash {kb(t.flash_bytes)}{over}"
    reason = (t.reason.splitlines() or [""])[0]
    return f"{t.state.value}: {reason}"


def summary(best: TrialRecord | None, front: int) -> str:
    if best is None:
        return "best: none within budget yet"
    return (f"best: {100 * (best.accuracy or 0):.1f}% at {best.latency_ms or 0:.3g} ms, RAM {kb(best.ram_bytes)}, "
            f"flash {kb(best.flash_bytes)} (trial {best.number}); Pareto front {front}")


def params_text(values: Sequence[tuple[str, object]]) -> str:
    return " ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in values)


class Progress:
    """`total` trials, `done` of them finished before this process started (a resumed study)."""

    def __init__(self, total: int, done: int = 0, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stdout
        self.tty = self.stream.isatty() if tty is None else tty
        self.total, self.done = total, done
        self.trials: list[TrialRecord] = []
        self.current = ""
        self.started = time.monotonic()
        self._drawn = False

    def _write(self, text: str) -> None:
        self.stream.write(text)
        self.stream.flush()

    def _bar(self) -> str:
        filled = round(BAR * self.done / self.total) if self.total else BAR
        return "[" + "#" * filled + "-" * (BAR - filled) + f"] {self.done}/{self.total}"

    def _status(self, stage: str) -> None:
        if not self.tty:
            return
        best = best_of(self.trials)
        tail = f"best {100 * (best.accuracy or 0):.1f}% (trial {best.number})" if best else "no best yet"
        self._write(f"\r\x1b[K{self._bar()} {self.current}: {stage} | {tail}")
        self._drawn = True

    def _line(self, text: str) -> None:
        if self._drawn:
            self._write("\r\x1b[K")
            self._drawn = False
        self._write(text + "\n")

    def note(self, text: str) -> None:
        self._line(text)

    def start(self, number: int, values: Sequence[tuple[str, object]], what: str = "trial") -> None:
        self.current = f"{what} {number}"
        if self.tty:
            self._status("starting")
        else:
            self._line(f"{self._bar()} {self.current}: {params_text(values)}")

    def stage(self, text: str) -> None:
        self._status(text)

    def finish(self, record: TrialRecord, counted: bool = True, history: Sequence[TrialRecord] = ()) -> None:
        """One finished trial; `history`: every record so far (others' too, with a shared database)."""
        if counted:
            self.done += 1
        self.trials = list(history) or self.trials + [record]
        best = best_of(self.trials)
        front = len(pareto_front(self.trials))
        self._line(f"{self._bar()} {self.current} ({record.seconds:.0f} s): {describe(record)}")
        self._line(f"{' ' * (BAR + 2)} {summary(best, front)}")

    def close(self) -> None:
        if self._drawn:
            self._write("\r\x1b[K")
            self._drawn = False
