"""CONCATENATION and PACK: every element type, one ``mf_copy_rows`` call per input; numpy folding.

Values are copied, never requantised, as in TFLM. TFLM's int8 CONCATENATION refuses inputs whose
scale or zero point differ from the output's (so does ``check``); for int16 CONCATENATION and for
PACK it accepts them and copies the raw values, and so does mcuforge. The TFLite converter gives
all inputs the output's quantisation (int16x8 inserts requantising QUANTIZE ops).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import fused_activation, require_quant
from codegen.ops.movement import (MOVABLE, axis_after, check_movable, copy_rows_call, norm_axis, piece_problems,
                                  piece_rows)
from codegen.ops.registry import register


def _axis(sg: Subgraph, op: Operator) -> int:
    return norm_axis(int(op.opt("axis", 0)), len(sg.tensors[op.outputs[0]].shape))


def _ins(sg: Subgraph, op: Operator):
    return [sg.tensors[i] for i in op.inputs]


def _concat_problems(ins: list[Tensor], out: Tensor, axis: int) -> list[str]:
    problems = piece_problems(ins, out, axis, "input")
    if out.dtype == DType.INT8:
        problems += require_quant(*ins, out)
        if out.quant is not None:
            for t in ins:
                if t.quant is not None and (t.quant.s, t.quant.zp) != (out.quant.s, out.quant.zp):
                    problems.append(f"int8 input {t.name!r} is quantised differently from the output "
                                    "(TFLM requires equal scale and zero point)")
    return problems


def _pack_problems(ins: list[Tensor], out: Tensor, axis: int) -> list[str]:
    shape = ins[0].shape
    if any(t.shape != shape for t in ins):
        return ["inputs of different shapes"]
    if out.shape != shape[:axis] + (len(ins),) + shape[axis:]:
        return [f"output {out.describe()} is not {len(ins)} x {list(shape)} stacked on axis {axis}"]
    return []


ShapeRule = Callable[[list[Tensor], Tensor, int], list[str]]  # (inputs, output, axis) -> problems


def _checker(shape_problems: ShapeRule) -> Callable[[Subgraph, Operator], list[str]]:
    """An op's check: movable types, no fused activation, an axis in range, then `shape_problems`."""
    def check(sg: Subgraph, op: Operator) -> list[str]:
        ins, out = _ins(sg, op), sg.tensors[op.outputs[0]]
        problems = check_movable(sg, op, ins + [out])
        if fused_activation(op) != "NONE":
            problems.append(f"fused activation {fused_activation(op)} (TFLM supports NONE)")
        axis, problems = axis_after(problems, lambda: _axis(sg, op))
        if axis is None:
            return problems
        return shape_problems(ins, out, axis)
    return check


check_concat = _checker(_concat_problems)
check_pack = _checker(_pack_problems)


def _lower(ctx: LowerContext, extents: list[int]) -> Lowered:
    """Input k fills `extents[k]` indices of the output's concatenation axis."""
    op = ctx.op
    rows = piece_rows(ctx.output(), _axis(ctx.subgraph, op), extents, gather=True)
    return Lowered(calls=tuple(copy_rows_call(i, op.outputs[0], r, comment=f"input {k}")
                               for k, (i, r) in enumerate(zip(op.inputs, rows))))


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
