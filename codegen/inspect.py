"""`inspect`: what the generator will make of a model, per operator and in total, and its memory
over the schedule: at every operator the arena's tensors alive then, the running total, the peak
step, and the model's peak RAM (codegen/peakram.py)."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from codegen.boards import Board
from codegen.generate import GenerateOptions, compile_model
from codegen.lowering import CompiledModel, Step, tensor_of
from codegen.options import BuildOptions
from codegen.peakram import Alive, MemoryTimeline, PeakRam, StackSource, memory_timeline, model_ram
from codegen.planner.patches import MemoryMode
from codegen.term import kb, num, say


@dataclass(frozen=True)
class OpRow:
    index: int
    op: str
    inputs: list[str]
    outputs: list[str]
    macs: int
    weight_bytes: int
    arena_offset: int | None
    arena_bytes: int
    kernels: list[str]
    subgraph: int = 0  # 0: the main subgraph; others run by CALL_ONCE, IF, WHILE

    @property
    def label(self) -> str:
        """The operator's index, "subgraph:index" outside the main subgraph."""
        return str(self.index) if self.subgraph == 0 else f"{self.subgraph}:{self.index}"


@dataclass(frozen=True)
class Inspection:
    model: str
    sha256: str
    ops: list[OpRow]
    ops_used: list[str]
    macs: int
    weights_bytes: int
    params_bytes: int
    arena_bytes: int
    inputs: list[str]
    outputs: list[str]
    timeline: MemoryTimeline | None = None
    peak_ram: PeakRam | None = None

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["timeline"] = self.timeline.to_json() if self.timeline is not None else None
        d["peak_ram"] = self.peak_ram.to_json() if self.peak_ram is not None else None
        return d


def _describe(m: CompiledModel, sg: int, t: int) -> str:
    ten = tensor_of(m, (sg, t))
    q = f" q({ten.quant.s:.4g},{ten.quant.zp})" if ten.quant and not ten.quant.per_channel else ""
    return ten.describe() + q


def _row(m: CompiledModel, s: Step) -> OpRow:
    op = m.graph.subgraphs[s.subgraph].operators[s.op_index]
    consts = {i for i in op.inputs if i >= 0 and tensor_of(m, (s.subgraph, i)).is_const}
    weights = sum(a.nbytes for c in s.calls for a in c.arrays if a.kind == "weights")
    weights += sum(tensor_of(m, (s.subgraph, i)).nbytes for c in s.calls for i in c.inputs if i in consts)
    st = [m.storage.get((s.subgraph, o)) for o in op.outputs]
    arena = [x for x in st if x is not None and x.kind == "arena"]
    return OpRow(index=s.op_index, op=s.opcode,
                 inputs=[_describe(m, s.subgraph, i) for i in op.inputs if i >= 0 and i not in consts],
                 outputs=[_describe(m, s.subgraph, o) for o in op.outputs], macs=s.macs, weight_bytes=weights,
                 arena_offset=arena[0].offset if arena else None,
                 arena_bytes=sum(tensor_of(m, (s.subgraph, o)).nbytes for o in op.outputs),
                 kernels=sorted({k for c in s.calls for k in c.sources}), subgraph=s.subgraph)


def inspect_model(model: Path, board: Board | None = None, int8_io: bool = False,
                  stack_size: int = BuildOptions().stack_size, memory: MemoryMode = MemoryMode.BALANCED) -> Inspection:
    """`stack_size`: the reservation counted in the peak RAM (none on a hosted board: the OS's stack)."""
    target = board.core.target if board else None
    kwargs = {"target": target} if target else {}
    m = compile_model(model, options=GenerateOptions(int8_io=int8_io, memory=memory), **kwargs)
    steps = [*m.steps, *(s for k in sorted(m.sub_steps) for s in m.sub_steps[k])]
    hosted = board is not None and board.hosted
    peak = model_ram(m).peak(None if hosted else stack_size,
                             StackSource.NOT_COUNTED if hosted else StackSource.RESERVED)
    return Inspection(model=str(model), sha256=m.sha256, ops=[_row(m, s) for s in steps],
                      ops_used=list(m.ops_used), macs=m.macs, weights_bytes=m.weights_bytes,
                      params_bytes=m.params_bytes, arena_bytes=m.arena_bytes,
                      inputs=[_describe(m, 0, t.tensor) for t in m.inputs],
                      outputs=[_describe(m, 0, t.tensor) for t in m.outputs],
                      timeline=memory_timeline(m), peak_ram=peak)


def render_table(ins: Inspection) -> list[str]:
    head = ("#", "op", "input", "output", "MACs", "weights", "arena off", "arena size")
    rows = [(r.label, r.op, ", ".join(r.inputs), ", ".join(r.outputs), num(r.macs), kb(r.weight_bytes),
             "-" if r.arena_offset is None else str(r.arena_offset), kb(r.arena_bytes)) for r in ins.ops]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    right = {0, 4, 5, 6, 7}

    def fmt(cells: tuple) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [fmt(head), fmt(tuple("-" * w for w in widths))]
    out += [fmt(r) for r in rows]
    out.append("")
    out.append(f"ops used   {', '.join(ins.ops_used)} ({len(ins.ops)} operators)")
    out.append(f"MACs       {num(ins.macs)}")
    out.append(f"weights    {kb(ins.weights_bytes)} ({num(ins.weights_bytes)} B) + {kb(ins.params_bytes)} of "
               f"quantisation parameters")
    out.append(f"arena      {kb(ins.arena_bytes)} ({num(ins.arena_bytes)} B)")
    out.append(f"inputs     {'; '.join(ins.inputs)}")
    out.append(f"outputs    {'; '.join(ins.outputs)}")
    if ins.peak_ram is not None:
        p = ins.peak_ram
        at = ""
        if ins.timeline is not None and ins.timeline.steps:
            s = ins.timeline.steps[ins.timeline.peak_step]
            at = f", the arena's peak at op {s.label} {s.op}"
        out.append(f"peak RAM   {kb(p.total)} ({num(p.total)} B) = {p.describe()}{at}")
    return out


TENSORS_WIDTH = 80  # the timeline's tensor lists are cut to this many characters ("... +N more")
NAME_WIDTH = 24     # a tensor name longer than this shows its end ("...conv2d/Relu")


def short_name(name: str, width: int = NAME_WIDTH) -> str:
    """A tensor's name for the terminal: its first ';'-separated part (TFLite joins fused ops' names),
    its end kept when too long."""
    head = name.split(";")[0]
    return head if len(head) <= width else "..." + head[-(width - 3):]


def _alive_text(alive: tuple[Alive, ...], width: int = TENSORS_WIDTH) -> str:
    """`@offset name size` for each buffer, cut to `width` with the count of those left out."""
    parts = [f"@{a.offset} {short_name(a.name)} {kb(a.bytes)}" for a in alive]
    for k in range(len(parts), 0, -1):
        left = len(parts) - k
        text = ", ".join(parts[:k]) + (f", ... +{left} more" if left else "")
        if len(text) <= width:
            return text
    return f"{len(parts)} buffers" if parts else "-"


def render_timeline(timeline: MemoryTimeline) -> list[str]:
    """The arena over the schedule: per operator the bytes alive, the arena's high-water then and the
    buffers alive (offset, name, size; long lists cut), the peak step marked."""
    head = ("#", "op", "alive", "arena top", "tensors alive (@offset name size)")
    peak = timeline.peak_step
    rows = [(("* " if i == peak else "") + s.label, s.op, kb(s.alive_bytes), kb(s.extent), _alive_text(s.alive))
            for i, s in enumerate(timeline.steps)]
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(head)]
    right = {0, 2, 3}

    def fmt(cells: tuple) -> str:
        return "  ".join(c.rjust(w) if i in right else c.ljust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()

    out = ["memory over the schedule (the arena's buffers alive at each operator; * the peak step)",
           fmt(head), fmt(tuple("-" * w for w in widths))]
    out += [fmt(r) for r in rows]
    return out


def inspect_and_show(model: Path, board: Board | None = None, options: BuildOptions | None = None,
                     as_json: bool = False) -> None:
    options = options or BuildOptions()
    ins = inspect_model(model, board, int8_io=options.int8_io, stack_size=options.stack_size,
                        memory=options.memory)
    if as_json:
        print(json.dumps(ins.to_json(), indent=2))
        return
    say(f"{Path(model).name} (sha256 {ins.sha256[:16]})")
    for line in render_table(ins):
        say(line)
    if ins.timeline is not None:
        say("")
        for line in render_timeline(ins.timeline):
            say(line)
