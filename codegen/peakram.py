"""Peak RAM: what a model costs in RAM as one number users compare, and when during an inference it
is reached.

    peak RAM = arena + kernel scratch (static) + stack high-water + the model's runtime state

The arena holds every intermediate tensor (and the kernel scratch the planner put there); the kernel
scratch that stays out of the arena is one static buffer (``lowering.STATIC_SCRATCH``); the stack is
the painted-stack high-water of a run that measured it, else the linker's reservation (said so); the
runtime state is the model's own persistent buffers (variable tensors, resource variables, kernel
state). What mcuforge adds to *measure* the model -- input staging, protocol buffers, the console,
the C library's data -- is not in it: it is the harness's, shown apart (``BuildReport.harness_ram_bytes``).

:meth:`ModelRam.peak` is the one place the sum is made; the fit check, report.json, run.json,
``inspect``, the benchmarks and ``tune`` all use it. :func:`memory_timeline` walks the schedule and
lists, at every operator, the arena's tensors alive then (the planner's own lifetimes and offsets).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Hashable

if TYPE_CHECKING:
    from codegen.lowering import CompiledModel


class StackSource(enum.StrEnum):
    MEASURED = "measured"      # a run's painted-stack high-water
    RESERVED = "reserved"      # the reservation: no run measured it
    NOT_COUNTED = "not counted"  # a program under an OS (host, Linux boards): not the firmware's stack


@dataclass(frozen=True)
class PeakRam:
    arena_bytes: int
    scratch_bytes: int   # kernel scratch in static storage (the rest is planned in the arena)
    stack_bytes: int
    state_bytes: int     # the model's runtime state
    stack: StackSource = StackSource.RESERVED

    @property
    def total(self) -> int:
        return self.arena_bytes + self.scratch_bytes + self.stack_bytes + self.state_bytes

    def describe(self) -> str:
        """``arena 12.0 KB + scratch 0.5 KB + stack 1.1 KB (measured) + state 0 B``."""
        from codegen.term import kb
        return (f"arena {kb(self.arena_bytes)} + scratch {kb(self.scratch_bytes)} + stack {kb(self.stack_bytes)} "
                f"({self.stack}) + state {kb(self.state_bytes)}")

    def to_json(self) -> dict[str, Any]:
        return {"peak_ram_bytes": self.total, "arena_bytes": self.arena_bytes, "scratch_bytes": self.scratch_bytes,
                "stack_bytes": self.stack_bytes, "stack": str(self.stack), "state_bytes": self.state_bytes}

    @staticmethod
    def from_json(d: dict[str, Any]) -> "PeakRam":
        return PeakRam(arena_bytes=int(d["arena_bytes"]), scratch_bytes=int(d["scratch_bytes"]),
                       stack_bytes=int(d["stack_bytes"]), state_bytes=int(d["state_bytes"]),
                       stack=StackSource(d["stack"]))


@dataclass(frozen=True)
class ModelRam:
    """The model's static RAM, known at build time; the stack joins it in :meth:`peak`."""

    arena_bytes: int
    scratch_bytes: int
    state_bytes: int

    def peak(self, stack_bytes: int | None, stack: StackSource) -> PeakRam:
        """Peak RAM with this stack (None or NOT_COUNTED: 0 bytes counted)."""
        n = 0 if stack_bytes is None or stack == StackSource.NOT_COUNTED else stack_bytes
        return PeakRam(self.arena_bytes, self.scratch_bytes, n, self.state_bytes,
                       StackSource.NOT_COUNTED if stack_bytes is None else stack)


def model_ram(m: "CompiledModel") -> ModelRam:
    from codegen.lowering import STATIC_SCRATCH
    scratch = sum(v.nbytes for v in m.variables if v.symbol == STATIC_SCRATCH)
    state = sum(v.nbytes for v in m.variables if v.symbol != STATIC_SCRATCH)
    return ModelRam(arena_bytes=m.arena_bytes, scratch_bytes=scratch, state_bytes=state)


# --- the timeline ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Alive:
    """One buffer alive in the arena at a step."""

    name: str        # the tensor's name, or "scratch <op>.<name>" for a kernel's scratch buffer
    bytes: int
    offset: int      # in the arena


@dataclass(frozen=True)
class MemoryStep:
    position: int    # in the schedule (an operator of a subgraph run twice appears twice)
    label: str       # the operator's index, "subgraph:index" outside the main subgraph
    op: str
    alive: tuple[Alive, ...]  # by offset

    @property
    def alive_bytes(self) -> int:
        """The arena bytes in use: the union of the live buffers' ranges (an output may overlap the input
        it replaces, so their sizes do not simply add up)."""
        total, end = 0, 0
        for a in sorted(self.alive, key=lambda a: a.offset):
            lo, hi = max(a.offset, end), a.offset + a.bytes
            if hi > lo:
                total += hi - lo
            end = max(end, hi)
        return total

    @property
    def extent(self) -> int:
        """The arena's high-water at this step: the end of its highest live buffer."""
        return max((a.offset + a.bytes for a in self.alive), default=0)


@dataclass(frozen=True)
class TimelinePoint:
    """One step, compactly (report.json keeps these for the run report's plot)."""

    label: str
    op: str
    alive_bytes: int
    extent: int


@dataclass(frozen=True)
class MemoryTimeline:
    steps: tuple[MemoryStep, ...]
    arena_bytes: int

    @property
    def peak_step(self) -> int:
        """The position of the peak step: the arena's high-water, ties to the most bytes alive, then the first."""
        if not self.steps:
            return 0
        return max(range(len(self.steps)), key=lambda i: (self.steps[i].extent, self.steps[i].alive_bytes, -i))

    def points(self) -> tuple[TimelinePoint, ...]:
        return tuple(TimelinePoint(s.label, s.op, s.alive_bytes, s.extent) for s in self.steps)

    def to_json(self) -> dict[str, Any]:
        return {"arena_bytes": self.arena_bytes, "peak_step": self.peak_step,
                "steps": [{"position": s.position, "label": s.label, "op": s.op, "alive_bytes": s.alive_bytes,
                           "extent": s.extent, "peak": i == self.peak_step,
                           "alive": [{"name": a.name, "bytes": a.bytes, "offset": a.offset} for a in s.alive]}
                          for i, s in enumerate(self.steps)]}


def _name(m: "CompiledModel", key: Hashable) -> str:
    if isinstance(key, tuple) and len(key) == 4 and key[0] == "scratch":
        _, sg, op, name = key
        return f"scratch {op if sg == 0 else f'{sg}:{op}'}.{name}"
    sg, t = key  # type: ignore[misc]
    return m.graph.subgraphs[sg].tensors[t].name or f"t{t}"


def memory_timeline(m: "CompiledModel") -> MemoryTimeline:
    """At every operator in execution order, the arena buffers alive then: a buffer belongs to a step
    when its lifetime (the planner's, in the plan) meets the clock from the operator's run to the next
    operator's (the control-flow points between them included); the first step also covers the
    inputs' time before it, the last the outputs' after it."""
    from codegen.lowering import schedule
    sched = schedule(m)
    placed = m.plan.placed()
    runs = sched.runs
    by_op = {(s.subgraph, s.op_index): s for s in (*m.steps, *(x for v in m.sub_steps.values() for x in v))}
    steps = []
    for i, (t, sg, op_index) in enumerate(runs):
        lo = t if i else min([t, *(p.first for _, _, p in placed)])
        hi = runs[i + 1][0] - 1 if i + 1 < len(runs) else max([sched.end, *(p.last for _, _, p in placed)])
        alive = sorted((Alive(_name(m, k), p.size, off) for k, off, p in placed
                        if p.size and p.first <= hi and lo <= p.last), key=lambda a: (a.offset, a.name))
        steps.append(MemoryStep(i, str(op_index) if sg == 0 else f"{sg}:{op_index}", by_op[(sg, op_index)].opcode,
                                tuple(alive)))
    return MemoryTimeline(tuple(steps), m.arena_bytes)
