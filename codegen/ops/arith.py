"""DIV, FLOOR_DIV, FLOOR_MOD and SQUARED_DIFFERENCE with numpy broadcasting, in the types TFLM's
div.cc, floor_div.cc, floor_mod.cc and squared_difference.cc take.

* float32: ``mf_binary_f32`` (DIV applies the fused activation, TFLM's +-FLT_MAX bounds without
  one; FLOOR_DIV is floor of the double quotient; FLOOR_MOD is fmodf moved to the divisor's sign).
* int32: DIV (truncating, fused activation) and SQUARED_DIFFERENCE (wrapping) by ``mf_binary_s32``.
* int8 DIV: TFLM's reciprocal-based quantised division (``mf_div_s8``).
* int8 / int16 SQUARED_DIFFERENCE: TFLM's rescaled difference (``mf_squared_difference_s8/_s16``).
FLOOR_DIV and FLOOR_MOD are float32 only in TFLM; int16 DIV is refused by TFLM's Eval.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Quant, Subgraph
from codegen.ops import pairwise
from codegen.ops.base import F32, LowerContext, Lowered, OpHandler
from codegen.ops.common import act_bounds, act_bounds_float, check_arity, check_fused, fused_activation
from codegen.ops.registry import register
from codegen.quant.multiplier import (INT32_MAX, INT32_MIN, quantize_multiplier,
                                      quantize_multiplier_smaller_than_one_exp)
from codegen.quant.params import qrange

Lower = pairwise.Lower

# nn.h MF_BIN_*
BIN = {"DIV": 0, "FLOOR_DIV": 1, "FLOOR_MOD": 2, "SQUARED_DIFFERENCE": 3, "ADD": 4, "SUB": 5, "MUL": 6,
       "MAXIMUM": 7, "MINIMUM": 8}
INF = float("inf")
_INT32_ACT = {"NONE": (INT32_MIN, INT32_MAX), "RELU": (0, INT32_MAX), "RELU6": (0, 6), "RELU_N1_TO_1": (-1, 1)}


def int32_act_bounds(activation: str) -> tuple[int, int]:
    """TFLM CalculateActivationRange<int32_t>."""
    return _INT32_ACT[activation]


def div_scaling(in1: Quant, in2: Quant, out: Quant) -> tuple[int, int]:
    """TFLM CalculateOpDataDiv: double(float(s1 / (s2 * s_out))), in float32 arithmetic."""
    from codegen.quant.multiplier import f32
    return quantize_multiplier(f32(in1.s / f32(in2.s * out.s)))


@dataclass(frozen=True)
class SquaredDifferenceScaling:
    left_shift: int
    input1: tuple[int, int]
    input2: tuple[int, int]
    output: tuple[int, int]


def squared_difference_scaling(in1: Quant, in2: Quant, out: Quant, dtype: DType) -> SquaredDifferenceScaling:
    """TFLM SquaredDifference PrepareQuantized (left shift 7 for int8, 0 for int16)."""
    left_shift = 7 if dtype == DType.INT8 else 0
    twice = 2.0 * max(in1.s, in2.s)
    out_m = twice * twice / ((1 << (2 * left_shift)) * out.s)
    return SquaredDifferenceScaling(left_shift, quantize_multiplier_smaller_than_one_exp(in1.s / twice),
                                    quantize_multiplier_smaller_than_one_exp(in2.s / twice),
                                    quantize_multiplier(out_m))


# --- lowering ------------------------------------------------------------------------------------

def _bc(ctx: LowerContext) -> tuple:
    return ("bc", pairwise.plan(ctx).c_value())


def _float(clamped: bool) -> Lower:
    def lower(ctx: LowerContext) -> Lowered:
        lo, hi = act_bounds_float(fused_activation(ctx.op)) if clamped else (-INF, INF)
        params = (_bc(ctx), ("fn", BIN[ctx.op.opcode]), ("act_min", F32(lo)), ("act_max", F32(hi)))
        return pairwise.call(ctx, "mf_binary_f32", "mf_binary_f32_params", params)
    return lower


def lower_s32(ctx: LowerContext, bounds: tuple[int, int]) -> Lowered:
    params = (_bc(ctx), ("fn", BIN[ctx.op.opcode]), ("act_min", bounds[0]), ("act_max", bounds[1]))
    return pairwise.call(ctx, "mf_binary_s32", "mf_binary_s32_params", params)


def _int32(clamped: bool) -> Lower:
    return lambda ctx: lower_s32(ctx, int32_act_bounds(fused_activation(ctx.op)) if clamped
                                 else (INT32_MIN, INT32_MAX))


def _div_s8(ctx: LowerContext) -> Lowered:
    in1, in2, out = ctx.input(0), ctx.input(1), ctx.output()
    assert in1 and in2 and in1.quant and in2.quant and out.quant
    mult, shift = div_scaling(in1.quant, in2.quant, out.quant)
    lo, hi = act_bounds(fused_activation(ctx.op), out)
    params = (_bc(ctx), ("input1_offset", -in1.quant.zp), ("input2_offset", -in2.quant.zp),
              ("output_offset", out.quant.zp), ("output_multiplier", mult), ("output_shift", shift),
              ("act_min", lo), ("act_max", hi))
    return pairwise.call(ctx, "mf_div_s8", "mf_div_s8_params", params)


def _squared_difference_q(ctx: LowerContext) -> Lowered:
    in1, in2, out = ctx.input(0), ctx.input(1), ctx.output()
    assert in1 and in2 and in1.quant and in2.quant and out.quant
    sc = squared_difference_scaling(in1.quant, in2.quant, out.quant, out.dtype)
    lo, hi = qrange(out.dtype)
    params = (_bc(ctx), ("left_shift", sc.left_shift), ("input1_offset", -in1.quant.zp),
              ("input1_multiplier", sc.input1[0]), ("input1_shift", sc.input1[1]),
              ("input2_offset", -in2.quant.zp), ("input2_multiplier", sc.input2[0]),
              ("input2_shift", sc.input2[1]), ("output_offset", out.quant.zp),
              ("output_multiplier", sc.output[0]), ("output_shift", sc.output[1]), ("act_min", lo), ("act_max", hi))
    return pairwise.call(ctx, f"mf_squared_difference_{out.dtype.short}", "mf_squared_difference_q_params", params)


# --- checks --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class ArithSpec:
    lower: dict[DType, Lower]
    refused: dict[DType, str] = field(default_factory=dict)
    fused: bool = False  # the builtin has a fused activation (DIV)
    extra: Callable[[Subgraph, Operator], list[str]] | None = None
    fold: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None


def _check(spec: ArithSpec) -> Callable[[Subgraph, Operator], list[str]]:
    def check(sg: Subgraph, op: Operator) -> list[str]:
        problems = check_arity(op)
        if problems:
            return problems
        in1, in2, out = pairwise.operands(sg, op)
        if in1.dtype in spec.refused:
            return [f"type {in1.dtype.name.lower()}: {spec.refused[in1.dtype]}"]
        if in1.dtype not in spec.lower:
            return [f"type {in1.dtype.name.lower()} (supported: {pairwise.names(spec.lower)})"]
        if in2.dtype != in1.dtype or out.dtype != in1.dtype:
            problems.append(f"mixed types {in1.dtype.name.lower()}, {in2.dtype.name.lower()} -> "
                            f"{out.dtype.name.lower()}")
        problems += pairwise.check_shapes(in1, in2, out)
        if spec.fused:
            problems += check_fused(op)
        if in1.dtype in (DType.INT8, DType.INT16) and not problems:
            problems += pairwise.check_quant(in1, in2, out)
            if not problems and spec.extra is not None:
                problems += spec.extra(sg, op)
        return problems
    return check


def _squared_difference_extra(sg: Subgraph, op: Operator) -> list[str]:
    in1, in2, out = pairwise.operands(sg, op)
    if out.dtype == DType.INT16 and any(t.quant.zp != 0 for t in (in1, in2, out)):
        return ["int16 with non-zero zero points (TFLM requires 0)"]
    try:
        squared_difference_scaling(in1.quant, in2.quant, out.quant, out.dtype)
    except ValueError as e:
        return [str(e)]
    return []


def _floor_mod(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    m = np.fmod(a, b)
    return np.where((m != 0) & ((b < 0) != (m < 0)), m + b, m).astype(np.float32)


def _floor_div(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.floor(a.astype(np.float64) / b.astype(np.float64)).astype(np.float32)


SPECS: dict[str, ArithSpec] = {
    "DIV": ArithSpec({DType.FLOAT32: _float(True), DType.INT32: _int32(True), DType.INT8: _div_s8},
                     refused={DType.INT16: "TFLM's DIV supports float32, int32 and int8 only"}, fused=True),
    "FLOOR_DIV": ArithSpec({DType.FLOAT32: _float(False)},
                           refused={t: "TFLM's FLOOR_DIV computes float32 only" for t in (DType.INT8, DType.INT16,
                                                                                          DType.INT32)},
                           fold=_floor_div),
    "FLOOR_MOD": ArithSpec({DType.FLOAT32: _float(False)},
                           refused={t: "TFLM's FLOOR_MOD computes float32 only" for t in (DType.INT8, DType.INT16,
                                                                                          DType.INT32)},
                           fold=_floor_mod),
    "SQUARED_DIFFERENCE": ArithSpec({DType.FLOAT32: _float(False), DType.INT32: _int32(False),
                                     DType.INT8: _squared_difference_q, DType.INT16: _squared_difference_q},
                                    extra=_squared_difference_extra),
}


def _fold(spec: ArithSpec):
    if spec.fold is None:
        return None
    return pairwise.fold_with(lambda a, b: spec.fold(a.astype(np.float32), b.astype(np.float32)))


for _opcode, _spec in SPECS.items():
    register(OpHandler(opcode=_opcode, check=_check(_spec), lower=pairwise.dispatch(_spec.lower),
                       fold=_fold(_spec), types=tuple(_spec.lower),
                       macs=lambda sg, op: sg.tensors[op.outputs[0]].elements))
