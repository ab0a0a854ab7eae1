"""Place buffers with known lifetimes in one arena, as small as a greedy search can make it.

A buffer lives from the step that writes it (``first``) to the last step that reads it (``last``),
inclusive. Two buffers may overlap in memory only if their lifetimes do not overlap. Placement is
first-fit over several orderings (largest first, as TFLM's GreedyMemoryPlanner does; longest-lived
first; earliest first); the smallest arena wins.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Iterable

ALIGN = 16


@dataclass(frozen=True)
class Buffer:
    key: Hashable
    size: int
    first: int
    last: int

    def overlaps(self, other: "Buffer") -> bool:
        return not (self.last < other.first or other.last < self.first)


@dataclass(frozen=True)
class ArenaPlan:
    offsets: dict  # key -> byte offset
    size: int
    buffers: tuple[Buffer, ...]

    def offset(self, key: Hashable) -> int:
        return self.offsets[key]

    def check(self) -> None:
        """Raise if two live buffers share bytes (the planner's own invariant, used by tests)."""
        bs = list(self.buffers)
        for i, a in enumerate(bs):
            oa = self.offsets[a.key]
            if oa % ALIGN or oa + a.size > self.size:
                raise AssertionError(f"{a.key} misplaced at {oa}")
            for b in bs[i + 1:]:
                ob = self.offsets[b.key]
                if a.overlaps(b) and a.size and b.size and oa < ob + b.size and ob < oa + a.size:
                    raise AssertionError(f"{a.key}@{oa}+{a.size} and {b.key}@{ob}+{b.size} collide")


def _align(x: int, a: int = ALIGN) -> int:
    return (x + a - 1) // a * a


def _first_fit(order: list[Buffer]) -> tuple[dict, int]:
    placed: list[tuple[int, Buffer]] = []
    offsets: dict = {}
    top = 0
    for b in order:
        busy = sorted((o, o + p.size) for o, p in placed if p.overlaps(b) and p.size)
        off = 0
        for lo, hi in busy:
            if off + b.size <= lo:
                break
            off = max(off, _align(hi))
        offsets[b.key] = off
        placed.append((off, b))
        top = max(top, off + b.size)
    return offsets, _align(top) if top else 0


_ORDERINGS: tuple[Callable[[Buffer], tuple], ...] = (
    lambda b: (-b.size, b.first),
    lambda b: (-(b.last - b.first), -b.size),
    lambda b: (b.first, -b.size),
    lambda b: (-b.size * (b.last - b.first + 1), b.first),
)


def plan_arena(buffers: Iterable[Buffer], reuse: bool = True) -> ArenaPlan:
    """Plan the arena. With ``reuse=False`` every buffer gets its own bytes (debug builds: every
    intermediate tensor stays readable after an inference)."""
    bs = tuple(buffers)
    if not reuse:
        offsets, top = {}, 0
        for b in bs:
            offsets[b.key] = top
            top = _align(top + b.size)
        return ArenaPlan(offsets=offsets, size=top, buffers=bs)
    best: tuple[dict, int] | None = None
    for key in _ORDERINGS:
        offsets, size = _first_fit(sorted(bs, key=key))
        if best is None or size < best[1]:
            best = (offsets, size)
    assert best is not None
    return ArenaPlan(offsets=best[0], size=best[1], buffers=bs)
