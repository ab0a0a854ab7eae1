"""CONCATENATION and PACK: every element type, one ``mf_copy_rows`` call per input; numpy folding.

Values are copied, never requantised, as in TFLM. TFLM's int8 CONCATENATION refuses inputs whose
scale or zero point differ from the output's (so does ``check``); for int16 CONCATENATION and for
PACK it accepts them and copies the raw values, and so does mcuforge. The TFLite converter gives
all inputs the output's quantisation (int16x8 inserts requantising QUANTIZE ops).
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import fused_activation, require_quant
from codegen.ops.movement import (MOVABLE, Rows, axis_split, check_movable, copy_rows_call, norm_axis,
                                  same_except_axis)
from codegen.ops.registry import register


def _axis(sg: Subgraph, op: Operator) -> int:
    return norm_axis(int(op.opt("axis", 0)), len(sg.tensors[op.outputs[0]].shape))


def _ins(sg: Subgraph, op: Operator):
    return [sg.tensors[i] for i in op.inputs]


def check_concat(sg: Subgraph, op: Operator) -> list[str]:
    ins, out = _ins(sg, op), sg.tensors[op.outputs[0]]
    problems = check_movable(sg, op, ins + [out])
    if fused_activation(op) != "NONE":
        problems.append(f"fused activation {fused_activation(op)} (TFLM supports NONE)")
    if problems:
        return problems
    try:
        axis = _axis(sg, op)
    except ValueError as e:
        return [str(e)]
    for t in ins:
        if not same_except_axis(t.shape, out.shape, axis):
            problems.append(f"input {t.describe()} does not fit output {out.describe()} on axis {axis}")
    if out.dtype == DType.INT8:
        problems += require_quant(*ins, out)
        if out.quant is not None:
            for t in ins:
                if t.quant is not None and (t.quant.s, t.quant.zp) != (out.quant.s, out.quant.zp):
                    problems.append(f"int8 input {t.name!r} is quantised differently from the output "
                                    "(TFLM requires equal scale and zero point)")
    if not problems and sum(t.shape[axis] for t in ins) != out.shape[axis]:
        problems.append(f"inputs add up to {sum(t.shape[axis] for t in ins)} on axis {axis}, "
                        f"the output has {out.shape[axis]}")
    return problems


def check_pack(sg: Subgraph, op: Operator) -> list[str]:
    ins, out = _ins(sg, op), sg.tensors[op.outputs[0]]
    problems = check_movable(sg, op, ins + [out])
    if problems:
        return problems
    try:
        axis = _axis(sg, op)
    except ValueError as e:
        return [str(e)]
    shape = ins[0].shape
    if any(t.shape != shape for t in ins):
        problems.append("inputs of different shapes")
    elif out.shape != shape[:axis] + (len(ins),) + shape[axis:]:
        problems.append(f"output {out.describe()} is not {len(ins)} x {list(shape)} stacked on axis {axis}")
    return problems


def _lower(ctx: LowerContext, extents: list[int]) -> Lowered:
    """Input k fills `extents[k]` indices of the output's concatenation axis."""
    sg, op = ctx.subgraph, ctx.op
    out = ctx.output()
    axis = _axis(sg, op)
    outer, inner = axis_split(out.shape, axis)
    es = out.dtype.size
    out_row = out.shape[axis] * inner * es
    calls, col = [], 0
    for k, (i, n) in enumerate(zip(op.inputs, extents)):
        row = n * inner * es
        rows = Rows(rows=outer, row_bytes=row, in_offset=0, in_stride=row, out_offset=col, out_stride=out_row)
        calls.append(copy_rows_call(i, op.outputs[0], rows, comment=f"input {k}"))
        col += row
    return Lowered(calls=tuple(calls))


def lower_concat(ctx: LowerContext) -> Lowered:
    axis = _axis(ctx.subgraph, ctx.op)
    return _lower(ctx, [ctx.t(i).shape[axis] for i in ctx.op.inputs])


def lower_pack(ctx: LowerContext) -> Lowered:
    return _lower(ctx, [1] * len(ctx.op.inputs))


def fold_concat(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [np.concatenate([np.asarray(v) for v in values], axis=_axis(sg, op))]


def fold_pack(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [np.stack([np.asarray(v) for v in values], axis=_axis(sg, op))]


_TYPES = tuple(sorted(MOVABLE, key=str))
register(OpHandler(opcode="CONCATENATION", check=check_concat, lower=lower_concat, fold=fold_concat, types=_TYPES))
register(OpHandler(opcode="PACK", check=check_pack, lower=lower_pack, fold=fold_pack, types=_TYPES))
