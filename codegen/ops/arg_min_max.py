"""ARG_MAX and ARG_MIN: float32 and int8 inputs, an int32 axis (negative counts from the end), int32
positions out: the types TFLM's kernel takes (it fails the invoke on an int64 output or axis).

As TFLM: the first element is the initial candidate and a later one replaces it only when strictly
greater (smaller), so ties give the first position and a NaN never wins (a leading NaN stays).
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity, require_const
from codegen.ops.movement import axis_split, const_ints, norm_axis, prod
from codegen.ops.registry import register

TYPES = (DType.FLOAT32, DType.INT8)


def _axis(sg: Subgraph, op: Operator) -> int:
    return norm_axis(const_ints(sg.tensors[op.inputs[1]])[0], len(sg.tensors[op.inputs[0]].shape))


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    inp, axis_t, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = []
    if inp.dtype not in TYPES:
        problems.append(f"input type {inp.dtype.name.lower()} (TFLM's kernel takes float32 and int8)")
    if out.dtype != DType.INT32:
        problems.append(f"output type {out.dtype.name.lower()} (TFLM's kernel writes only int32 positions "
                        "and fails the invoke otherwise; export with output_type=tf.int32)")
    if axis_t.dtype != DType.INT32:
        problems.append(f"axis of type {axis_t.dtype.name.lower()} (TFLM's kernel takes only int32)")
    problems += require_const(axis_t, "axis")
    if problems:
        return problems
    if axis_t.elements != 1:
        return [f"axis with {axis_t.elements} values (expected one)"]
    try:
        axis = _axis(sg, op)
    except ValueError as e:
        return [str(e)]
    want = inp.shape[:axis] + inp.shape[axis + 1:]
    if out.elements != prod(want):
        problems.append(f"output {out.describe()} does not match the reduction of axis {axis}")
    if inp.elements == 0:
        problems.append("empty input")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[0])
    axis = _axis(ctx.subgraph, ctx.op)
    outer, inner = axis_split(inp.shape, axis)
    params = (("outer", outer), ("axis_size", inp.shape[axis]), ("inner", inner),
              ("is_max", int(ctx.op.opcode == "ARG_MAX")))
    call = KernelCall(function=f"mf_arg_min_max_{inp.dtype.short}", params_type="mf_arg_min_max_params",
                      params=params, inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), comment=f"axis {axis}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    x = np.asarray(values[0])
    axis = _axis(sg, op)
    outer, inner = axis_split(x.shape, axis)
    rows = x.reshape(outer, x.shape[axis], inner)
    best, index = rows[:, 0, :].copy(), np.zeros((outer, inner), dtype=np.int32)
    for i in range(1, x.shape[axis]):
        v = rows[:, i, :]
        take = v > best if op.opcode == "ARG_MAX" else v < best
        best = np.where(take, v, best)
        index = np.where(take, np.int32(i), index)
    return [index.reshape(sg.tensors[op.outputs[0]].shape)]


def macs(sg: Subgraph, op: Operator) -> int:
    return sg.tensors[op.inputs[0]].elements


for _name in ("ARG_MAX", "ARG_MIN"):
    register(OpHandler(opcode=_name, check=check, lower=lower, fold=fold, macs=macs, types=TYPES))
