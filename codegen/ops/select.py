"""SELECT_V2: ``condition ? x : y`` with numpy broadcasting of all three operands (TFLM select.cc:
float32, int8 and int16 values, a bool condition; values are copied raw, never requantised).

The loop plan generalises :mod:`codegen.ops.broadcast` to three operands: the output is walked as
rows x inner elements, each operand with its own strides (0 where it is broadcast), size-1
dimensions dropped and neighbours merged where all three walk them alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops import broadcast, pairwise
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.registry import register

TYPES = (DType.FLOAT32, DType.INT8, DType.INT16)
TFLM_MAX_RANK = 5  # BroadcastSelect5DSlow


@dataclass(frozen=True)
class Plan:
    """The fields of ``mf_select_params`` after elem_size: outer sizes, one stride set per operand
    (condition, x, y), the inner run and its per-operand strides (0 or 1)."""

    outer: tuple[int, ...]
    strides: tuple[tuple[int, ...], ...]
    inner: int
    inner_strides: tuple[int, ...]


def _row_major(shape: tuple[int, ...]) -> list[int]:
    strides, s = [0] * len(shape), 1
    for d in reversed(range(len(shape))):
        strides[d] = s
        s *= shape[d]
    return strides


def plan(shapes: tuple[tuple[int, ...], ...], out_shape: tuple[int, ...]) -> Plan:
    rank = len(out_shape)
    padded = [(1,) * (rank - len(s)) + tuple(s) for s in shapes]
    contiguous = [_row_major(p) for p in padded]
    dims: list[tuple[int, list[int]]] = []  # (size, per-operand stride), outermost first
    for d in range(rank):
        if out_shape[d] == 1:
            continue
        dims.append((out_shape[d], [c[d] if p[d] == out_shape[d] else 0 for p, c in zip(padded, contiguous)]))
    merged: list[tuple[int, list[int]]] = []
    for size, strides in dims:
        if merged and all(ps == s * size for ps, s in zip(merged[-1][1], strides)):
            merged[-1] = (merged[-1][0] * size, strides)
        else:
            merged.append((size, strides))
    if not merged:
        merged = [(1, [0] * len(shapes))]
    inner, inner_strides = merged[-1]
    outer = merged[:-1]
    if len(outer) > broadcast.OUTER_DIMS:
        raise ValueError(f"broadcast of {[list(s) for s in shapes]} needs more than {broadcast.MAX_RANK} dimensions")
    outer = [(1, [0] * len(shapes))] * (broadcast.OUTER_DIMS - len(outer)) + outer
    return Plan(outer=tuple(o[0] for o in outer),
                strides=tuple(tuple(o[1][k] for o in outer) for k in range(len(shapes))),
                inner=inner, inner_strides=tuple(1 if s else 0 for s in inner_strides))


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 3, 1)
    if problems:
        return problems
    cond, x, y = (sg.tensors[i] for i in op.inputs)
    out = sg.tensors[op.outputs[0]]
    if cond.dtype != DType.BOOL:
        problems.append(f"condition of type {cond.dtype.name.lower()} (TFLM requires bool)")
    if x.dtype not in TYPES:
        problems.append(f"values of type {x.dtype.name.lower()} (TFLM's SELECT_V2 takes "
                        f"{pairwise.names(TYPES)})")
    if y.dtype != x.dtype or out.dtype != x.dtype:
        problems.append(f"value types {x.dtype.name.lower()}, {y.dtype.name.lower()} -> {out.dtype.name.lower()} differ")
    shape = broadcast.broadcast_shape(cond.shape, x.shape)
    shape = broadcast.broadcast_shape(shape, y.shape) if shape is not None else None
    if shape is None:
        problems.append(f"shapes {list(cond.shape)}, {list(x.shape)} and {list(y.shape)} do not broadcast")
    elif tuple(shape) != tuple(out.shape) and not (shape == () and out.elements == 1):
        problems.append(f"output shape {list(out.shape)} is not the broadcast shape {list(shape)}")
    elif len(out.shape) > TFLM_MAX_RANK and not (cond.shape == x.shape == y.shape):
        problems.append(f"rank {len(out.shape)} with broadcasting (TFLM broadcasts SELECT_V2 up to 5-D)")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    op, out = ctx.op, ctx.output()
    shapes = tuple(ctx.t(i).shape for i in op.inputs)
    p = plan(shapes, out.shape)
    params = (("elem_size", out.dtype.size), ("outer", p.outer), ("stride_c", p.strides[0]),
              ("stride_x", p.strides[1]), ("stride_y", p.strides[2]), ("inner", p.inner),
              ("inner_stride_c", p.inner_strides[0]), ("inner_stride_x", p.inner_strides[1]),
              ("inner_stride_y", p.inner_strides[2]))
    inplace = tuple((op.outputs[0], i) for i in dict.fromkeys(op.inputs[1:])
                    if ctx.t(i).shape == out.shape and not ctx.t(i).is_const)
    c = KernelCall(function="mf_select", params_type="mf_select_params", params=params, inputs=tuple(op.inputs),
                   outputs=(op.outputs[0],), inplace=inplace)
    return Lowered(calls=(c,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    out = sg.tensors[op.outputs[0]]
    return [np.where(np.asarray(values[0]), values[1], values[2]).astype(out.dtype.np).reshape(out.shape)]


register(OpHandler(opcode="SELECT_V2", check=check, lower=lower, fold=fold, types=TYPES))
