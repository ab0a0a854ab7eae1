"""REVERSE_V2: every type TFLM's kernel takes (int8, uint8, int16, int32, int64, float32, bool) over
one or several axes (negative count from the end), as a strided copy walking the reversed axes
backwards (generic ``mf_strided_copy``), and numpy folding. TFLM fails the invoke when the sorted axes
are not contiguous (or repeat), so `check` refuses those."""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import require_const
from codegen.ops.movement import MAX_DIMS, check_movable, const_ints, norm_axis, row_major_strides, strided_copy_call
from codegen.ops.registry import register

TYPES = (DType.INT8, DType.UINT8, DType.INT16, DType.INT32, DType.INT64, DType.FLOAT32, DType.BOOL)


def _axes(sg: Subgraph, op: Operator) -> list[int]:
    rank = len(sg.tensors[op.inputs[0]].shape)
    return sorted(norm_axis(a, rank) for a in const_ints(sg.tensors[op.inputs[1]]))


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, axis_t, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if inp.dtype not in TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's REVERSE_V2 takes "
                + ", ".join(t.name.lower() for t in TYPES) + ")"]
    problems = check_movable(sg, op, [inp, out]) + require_const(axis_t, "axis")
    if axis_t.dtype != DType.INT32:
        problems.append(f"axis of type {axis_t.dtype.name.lower()} (TFLM takes int32)")
    if problems:
        return problems
    if out.shape != inp.shape:
        problems.append(f"{inp.describe()} -> {out.describe()} changes the shape")
    if not 1 <= axis_t.elements <= len(inp.shape):
        return problems + [f"{axis_t.elements} axes for rank {len(inp.shape)}"]
    if len(inp.shape) > MAX_DIMS:
        problems.append(f"rank {len(inp.shape)} (at most {MAX_DIMS})")
    try:
        axes = _axes(sg, op)
    except ValueError as e:
        return problems + [str(e)]
    if any(b != a + 1 for a, b in zip(axes, axes[1:])):
        problems.append(f"axes {axes} are not contiguous (TFLM's kernel fails the invoke on these)")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[0])
    axes = _axes(ctx.subgraph, ctx.op)
    strides = row_major_strides(inp.shape)
    offset = sum((inp.shape[a] - 1) * strides[a] for a in axes)
    stride = [-s if k in axes else s for k, s in enumerate(strides)]
    return Lowered(calls=(strided_copy_call(ctx.op.inputs[0], ctx.op.outputs[0], inp.dtype.size, offset,
                                            list(inp.shape), stride, comment=f"axes {axes}"),))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [np.flip(np.asarray(values[0]), _axes(sg, op)).copy()]


register(OpHandler(opcode="REVERSE_V2", check=check, lower=lower, fold=fold, types=TYPES))
