"""SPLIT, SPLIT_V and UNPACK: every element type, one ``mf_copy_rows`` call per output; numpy folding.

The pieces' sizes are the output shapes (static), so SPLIT_V's -1 entry needs no special case.
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import require_const
from codegen.ops.movement import (MOVABLE, axis_after, check_movable, const_ints, copy_rows_call, norm_axis,
                                  piece_problems, piece_rows)
from codegen.ops.registry import register


def _data(op: Operator) -> int:
    """The data input's position: SPLIT is (axis, input), SPLIT_V (input, sizes, axis), UNPACK (input)."""
    return 1 if op.opcode == "SPLIT" else 0


def _axis(sg: Subgraph, op: Operator) -> int:
    rank = len(sg.tensors[op.inputs[_data(op)]].shape)
    if op.opcode == "UNPACK":
        return norm_axis(int(op.opt("axis", 0)), rank)
    t = sg.tensors[op.inputs[0 if op.opcode == "SPLIT" else 2]]
    return norm_axis(const_ints(t)[0], rank)


def _extents(sg: Subgraph, op: Operator, axis: int) -> list[int]:
    if op.opcode == "UNPACK":
        return [1] * len(op.outputs)
    return [sg.tensors[o].shape[axis] for o in op.outputs]


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp = sg.tensors[op.inputs[_data(op)]]
    outs = [sg.tensors[o] for o in op.outputs]
    problems = check_movable(sg, op, [inp] + outs)
    if op.opcode != "UNPACK":
        axis_t = sg.tensors[op.inputs[0 if op.opcode == "SPLIT" else 2]]
        problems += require_const(axis_t, "axis")
        if axis_t.dtype not in (DType.INT32, DType.INT64):
            problems.append(f"axis of type {axis_t.dtype.name.lower()}")
    axis, problems = axis_after(problems, lambda: _axis(sg, op))
    if axis is None:
        return problems
    if op.opcode == "UNPACK":
        want = inp.shape[:axis] + inp.shape[axis + 1:]
        if any(o.shape != want for o in outs) or len(outs) != inp.shape[axis]:
            problems.append(f"outputs are not the {inp.shape[axis]} slices of {inp.describe()} on axis {axis}")
        return problems
    return piece_problems(outs, inp, axis, "output")


def lower(ctx: LowerContext) -> Lowered:
    sg, op = ctx.subgraph, ctx.op
    src = op.inputs[_data(op)]
    axis = _axis(sg, op)
    rows = piece_rows(ctx.t(src), axis, _extents(sg, op, axis), gather=False)
    return Lowered(calls=tuple(copy_rows_call(src, o, r, comment=f"output {k}")
                               for k, (o, r) in enumerate(zip(op.outputs, rows))))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    x = np.asarray(values[_data(op)])
    axis = _axis(sg, op)
    bounds = np.cumsum(_extents(sg, op, axis))[:-1]
    parts = np.split(x, bounds, axis=axis)
    return [p.reshape(sg.tensors[o].shape) for p, o in zip(parts, op.outputs)]


for _name in ("SPLIT", "SPLIT_V", "UNPACK"):
    register(OpHandler(opcode=_name, check=check, lower=lower, fold=fold, types=tuple(sorted(MOVABLE, key=str))))
