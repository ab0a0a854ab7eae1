"""Resource variables and CALL_ONCE (streaming models): VAR_HANDLE, READ_VARIABLE, ASSIGN_VARIABLE,
CALL_ONCE.

Everything is resolved at build time. Each resource variable (TFLM: one per distinct
container/shared_name pair of the VAR_HANDLEs) becomes one static buffer outside the arena, and
every VAR_HANDLE output tensor naming it is stored *in* that buffer, so READ_VARIABLE and
ASSIGN_VARIABLE become plain copies (``mf_copy_rows``) and VAR_HANDLE generates no code.

TFLM semantics reproduced (micro_resource_variable.cc, assign_variable.cc, call_once.cc):

* a variable's size and default value come from the first ASSIGN_VARIABLE TFLM prepares (subgraphs
  in index order, operators in order): its value tensor's byte size, and the byte
  ``int8(zero_point)`` if that tensor is quantised, else 0;
* the buffer holds the default until the init subgraph (CALL_ONCE) assigns the initial value;
* ``reset()`` fills every variable with its default again and does NOT re-arm CALL_ONCE, so after
  a reset a model runs from zero-point state, not from the initial values.
"""

from __future__ import annotations

from dataclasses import dataclass

from codegen.errors import McuforgeError
from codegen.ir import DType, Graph, Operator, Subgraph
from codegen.ops.base import Invoke, KernelCall, LowerContext, Lowered, OpHandler, State, Sym
from codegen.ops.movement import Rows, copy_rows_call
from codegen.ops.registry import register

TensorKey = tuple[int, int]


@dataclass(frozen=True)
class ResourceVariable:
    symbol: str
    nbytes: int
    fill: int  # byte value reset() writes


def _handle_producers(sg: Subgraph) -> dict[int, Operator]:
    return {op.outputs[0]: op for op in sg.operators if op.opcode == "VAR_HANDLE" and op.outputs}


def resource_variables(graph: Graph) -> dict[TensorKey, ResourceVariable]:
    """Every VAR_HANDLE output tensor (subgraph, tensor) -> the variable it names."""
    names: list[tuple[str | None, str]] = []  # (container, shared_name) in TFLM id order
    ids: dict[TensorKey, int] = {}
    for sg in graph.subgraphs:
        for op in sg.operators:
            if op.opcode != "VAR_HANDLE" or not op.outputs:
                continue
            container = op.opt("container")
            shared = op.opt("sharedName") or ""
            found = next((k for k, (c, s) in enumerate(names)
                          if (container is None or container == c) and s == shared), None)
            if found is None:
                names.append((container, shared))
                found = len(names) - 1
            ids[(sg.index, op.outputs[0])] = found
    size: dict[int, tuple[int, int]] = {}  # id -> (bytes, fill) from the first assignment
    for sg in graph.subgraphs:
        for op in sg.operators:
            if op.opcode != "ASSIGN_VARIABLE":
                continue
            vid = ids.get((sg.index, op.inputs[0]))
            if vid is None or vid in size:
                continue
            value = sg.tensors[op.inputs[1]]
            fill = value.quant.zp & 0xFF if value.quant is not None else 0
            size[vid] = (value.nbytes, fill)
    for sg in graph.subgraphs:
        for op in sg.operators:
            if op.opcode in ("READ_VARIABLE", "ASSIGN_VARIABLE") and (sg.index, op.inputs[0]) in ids:
                vid = ids[(sg.index, op.inputs[0])]
                value = sg.tensors[op.outputs[0] if op.opcode == "READ_VARIABLE" else op.inputs[1]]
                if vid not in size:
                    raise McuforgeError(f"subgraph {sg.index} op {op.index} reads resource variable "
                                        f"{names[vid][1]!r}, which is never assigned",
                                        hint="TFLM cannot run this model either (the variable has no buffer)")
                if value.nbytes != size[vid][0]:
                    raise McuforgeError(f"subgraph {sg.index} op {op.index} {op.opcode}: {value.describe()} "
                                        f"for a variable of {size[vid][0]} bytes",
                                        hint="every read and assignment of a variable must have its size")
    out = {}
    for key, vid in ids.items():
        if vid not in size:
            continue  # never assigned nor read: no buffer
        out[key] = ResourceVariable(symbol=f"var{vid}", nbytes=size[vid][0], fill=size[vid][1])
    return out


def _check_handle(sg: Subgraph, op: Operator) -> list[str]:
    h = sg.tensors[op.inputs[0]]
    if h.dtype not in (DType.RESOURCE, DType.INT32):
        return [f"variable handle of type {h.dtype.name.lower()}"]
    if op.inputs[0] not in _handle_producers(sg):
        return ["the variable handle does not come from a VAR_HANDLE in the same subgraph"]
    return []


def check_read(sg: Subgraph, op: Operator) -> list[str]:
    return _check_handle(sg, op)


def check_assign(sg: Subgraph, op: Operator) -> list[str]:
    return _check_handle(sg, op)


def check_none(sg: Subgraph, op: Operator) -> list[str]:
    return []


def lower_handle(ctx: LowerContext) -> Lowered:
    return Lowered()


def lower_read(ctx: LowerContext) -> Lowered:
    op = ctx.op
    n = ctx.output().nbytes
    rows = Rows(rows=1, row_bytes=n, in_offset=0, in_stride=0, out_offset=0, out_stride=0)
    return Lowered(calls=(copy_rows_call(op.inputs[0], op.outputs[0], rows, comment="read variable"),))


def lower_assign(ctx: LowerContext) -> Lowered:
    op = ctx.op
    n = ctx.t(op.inputs[1]).nbytes
    rows = Rows(rows=1, row_bytes=n, in_offset=0, in_stride=0, out_offset=0, out_stride=0)
    return Lowered(calls=(copy_rows_call(op.inputs[1], op.inputs[0], rows, comment="assign variable"),))


def _init_subgraph(op: Operator) -> int:
    return int(op.opt("initSubgraphIndex", 0))


def check_call_once(sg: Subgraph, op: Operator) -> list[str]:
    problems = []
    if op.inputs or op.outputs:
        problems.append("CALL_ONCE with inputs or outputs")
    if _init_subgraph(op) <= 0:
        problems.append(f"init subgraph {_init_subgraph(op)} (must be another subgraph)")
    return problems


def lower_call_once(ctx: LowerContext) -> Lowered:
    callee = _init_subgraph(ctx.op)
    if callee >= len(ctx.graph.subgraphs):
        raise McuforgeError(f"CALL_ONCE runs subgraph {callee}, the model has {len(ctx.graph.subgraphs)}",
                            hint="the model is corrupted")
    done = State(name=f"sg{ctx.subgraph.index}_op{ctx.op.index}_once", nbytes=1, fill=0, on_reset=False)
    call = KernelCall(function="mf_call_once", params_type="mf_call_once_params",
                      params=(("run", Sym(f"subgraph{callee}")), ("done", done)), inputs=(), outputs=(),
                      comment=f"subgraph {callee}")
    return Lowered(calls=(call,))


register(OpHandler(opcode="VAR_HANDLE", check=check_none, lower=lower_handle))
register(OpHandler(opcode="READ_VARIABLE", check=check_read, lower=lower_read))
register(OpHandler(opcode="ASSIGN_VARIABLE", check=check_assign, lower=lower_assign))
register(OpHandler(opcode="CALL_ONCE", check=check_call_once, lower=lower_call_once,
                   flow=lambda graph, sg, op: (Invoke(_init_subgraph(op)),)))
