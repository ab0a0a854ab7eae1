"""`inspect`: what the generator will make of a model, per operator and in total."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path

from codegen.boards import Board
from codegen.generate import GenerateOptions, compile_model
from codegen.lowering import CompiledModel, Step, tensor_of
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
                  memory: MemoryMode = MemoryMode.BALANCED) -> Inspection:
    target = board.core.target if board else None
    kwargs = {"target": target} if target else {}
    m = compile_model(model, options=GenerateOptions(int8_io=int8_io, memory=memory), **kwargs)
    steps = [*m.steps, *(s for k in sorted(m.sub_steps) for s in m.sub_steps[k])]
    return Inspection(model=str(model), sha256=m.sha256, ops=[_row(m, s) for s in steps],
                      ops_used=list(m.ops_used), macs=m.macs, weights_bytes=m.weights_bytes,
                      params_bytes=m.params_bytes, arena_bytes=m.arena_bytes,
                      inputs=[_describe(m, 0, t.tensor) for t in m.inputs],
                      outputs=[_describe(m, 0, t.tensor) for t in m.outputs])


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
    return out


def inspect_and_show(model: Path, board: Board | None = None, options=None, as_json: bool = False) -> None:
    ins = inspect_model(model, board, int8_io=bool(options and options.int8_io),
                        memory=options.memory if options else MemoryMode.BALANCED)
    if as_json:
        print(json.dumps(asdict(ins), indent=2))
        return
    say(f"{Path(model).name} (sha256 {ins.sha256[:16]})")
    for line in render_table(ins):
        say(line)
