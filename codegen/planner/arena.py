"""Place buffers with known lifetimes in one arena, as small as a greedy search can make it.

A buffer lives from the step that writes it (``first``) to the last step that reads it (``last``),
inclusive. Two buffers may share bytes only if their lifetimes do not overlap. A buffer may be a
*group* of parts at fixed positions relative to each other (an output that overlaps its dying
input, see ``KernelCall.shares``): each part keeps its own lifetime, so the group occupies only the
bytes of its live parts at any step. Placement is first-fit over several orderings (largest first,
as TFLM's GreedyMemoryPlanner does; longest-lived first; earliest first; largest area first); the
smallest arena wins.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Hashable, Iterable

ALIGN = 16


@dataclass(frozen=True)
class Part:
    offset: int  # relative to the buffer's start
    size: int
    first: int
    last: int
    key: Hashable = None  # the member it holds (a group's tensor; None: the buffer itself)

    def overlaps_in_time(self, other: "Part") -> bool:
        return not (self.last < other.first or other.last < self.first)


@dataclass(frozen=True)
class Buffer:
    key: Hashable
    size: int
    first: int
    last: int
    parts: tuple[Part, ...] = field(default=())

    @staticmethod
    def group(key: Hashable, parts: Iterable[Part]) -> "Buffer":
        ps = tuple(parts)
        return Buffer(key=key, size=max(p.offset + p.size for p in ps), first=min(p.first for p in ps),
                      last=max(p.last for p in ps), parts=ps)

    @property
    def pieces(self) -> tuple[Part, ...]:
        return self.parts or (Part(0, self.size, self.first, self.last, self.key),)

@dataclass(frozen=True)
class ArenaPlan:
    offsets: dict  # key -> byte offset
    size: int
    buffers: tuple[Buffer, ...]

    def offset(self, key: Hashable) -> int:
        return self.offsets[key]

    def placed(self) -> tuple[tuple[Hashable, int, Part], ...]:
        """Every part at its absolute offset: (member key, offset, part)."""
        return tuple((p.key if p.key is not None else b.key, self.offsets[b.key] + p.offset, p)
                     for b in self.buffers for p in b.pieces)

    def check(self) -> None:
        """Raise if two live parts share bytes (the planner's own invariant, used by tests)."""
        placed = [(b.key, self.offsets[b.key] + p.offset, p) for b in self.buffers for p in b.pieces]
        for b in self.buffers:
            o = self.offsets[b.key]
            if o % ALIGN or o + b.size > self.size:
                raise AssertionError(f"{b.key} misplaced at {o}")
        for i, (ka, oa, a) in enumerate(placed):
            for kb, ob, b in placed[i + 1:]:
                if ka == kb or not a.size or not b.size or not a.overlaps_in_time(b):
                    continue
                if oa < ob + b.size and ob < oa + a.size:
                    raise AssertionError(f"{ka}@{oa}+{a.size} and {kb}@{ob}+{b.size} collide")


def _align(x: int, a: int = ALIGN) -> int:
    return (x + a - 1) // a * a


def _fits(base: int, buf: Buffer, placed: list[tuple[int, Part]]) -> bool:
    for p in buf.pieces:
        lo, hi = base + p.offset, base + p.offset + p.size
        for o, q in placed:
            if q.size and p.size and p.overlaps_in_time(q) and lo < o + q.size and o < hi:
                return False
    return True


def _first_fit(order: list[Buffer]) -> tuple[dict, int]:
    placed: list[tuple[int, Part]] = []  # absolute offset of each placed part
    offsets: dict = {}
    top = 0
    for b in order:
        pieces = b.pieces
        live = [(o, q) for o, q in placed if q.size and any(q.overlaps_in_time(p) for p in pieces)]
        candidates = {0}
        for o, q in live:
            for p in pieces:
                c = _align(o + q.size - p.offset) if o + q.size - p.offset > 0 else 0
                candidates.add(c)
        for base in sorted(candidates):
            if _fits(base, b, live):
                break
        offsets[b.key] = base
        placed += [(base + p.offset, p) for p in pieces]
        top = max(top, base + b.size)
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
