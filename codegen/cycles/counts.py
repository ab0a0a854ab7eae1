"""Counts by class and event, and the plugin's windows (typed records)."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.cycles.events import CLASSES, EVENTS, Event


@dataclass(frozen=True)
class EventCounts:
    """One count per :class:`Event`, in `EVENTS` order."""

    values: tuple[int, ...]

    def __post_init__(self) -> None:
        if len(self.values) != len(EVENTS) or any(v < 0 for v in self.values):
            raise ValueError(f"EventCounts needs {len(EVENTS)} non-negative counts, got {self.values!r}")

    @classmethod
    def zero(cls) -> EventCounts:
        return cls((0,) * len(EVENTS))

    @classmethod
    def of(cls, counts: dict[Event, int]) -> EventCounts:
        return cls(tuple(counts.get(e, 0) for e in EVENTS))

    def __getitem__(self, event: Event) -> int:
        return self.values[EVENTS.index(event)]

    def __add__(self, other: EventCounts) -> EventCounts:
        return EventCounts(tuple(a + b for a, b in zip(self.values, other.values)))

    @property
    def instructions(self) -> int:
        """Executed instructions: the sum of the classes."""
        return sum(v for e, v in zip(EVENTS, self.values) if e in CLASSES)

    def nonzero(self) -> dict[Event, int]:
        return {e: v for e, v in zip(EVENTS, self.values) if v}


@dataclass(frozen=True)
class Window:
    """What the guest executed between two counter reads: counts per address range (index into the
    ranges the host gave the plugin; `len(ranges)` = outside all of them)."""

    seq: int
    rows: tuple[tuple[int, EventCounts], ...]

    @property
    def total(self) -> EventCounts:
        out = EventCounts.zero()
        for _, c in self.rows:
            out = out + c
        return out

    @property
    def instructions(self) -> int:
        return self.total.instructions
