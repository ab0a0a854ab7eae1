"""SOFTMAX over the last dimension: int8 -> int8 and int8 -> int16 (TFLM's gemmlowp fixed point),
int16 -> int16 (TFLM's LUT algorithm, tables generated here as TFLM's Prepare generates them) and
float32 (expf)."""

from __future__ import annotations

import math
from typing import Callable

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler, Sym
from codegen.ops.common import require_quant
from codegen.ops.registry import register
from codegen.quant import lut
from codegen.quant.multiplier import quantize_multiplier, quantize_multiplier_greater_than_one

SCALED_DIFF_INTEGER_BITS = 5


def preprocess_softmax_scaling(beta: float, input_scale: float, integer_bits: int) -> tuple[int, int]:
    """TFLM PreprocessSoftmaxScaling (double-rounding build)."""
    real = min(beta * input_scale * (1 << (31 - integer_bits)), (1 << 31) - 1.0)
    return quantize_multiplier_greater_than_one(real)


def calculate_input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    max_rescaled = 1.0 * ((1 << integer_bits) - 1) * (1 << (total_signed_bits - integer_bits)) / (1 << left_shift)
    return int(math.floor(max_rescaled))


def softmax_s16_scaling(beta: float, input_scale: float) -> tuple[int, int]:
    """TFLM: QuantizeMultiplier(input_scale * beta / (10 / 65535)): input differences in [-65535, 0]
    map to [-10, 0], the domain of the exp table."""
    return quantize_multiplier(input_scale * beta / (10.0 / 65535.0))


def _beta(op: Operator) -> float:
    return float(op.opt("beta", 1.0))


def _check_s8(sg: Subgraph, op: Operator) -> list[str]:
    out = sg.tensors[op.outputs[0]]
    if out.dtype == DType.INT16:
        if out.quant and (out.quant.zp != -32768 or abs(out.quant.s - 1.0 / 65536) > 0.001 / 65536):
            return ["int16 output of an int8 SOFTMAX must have scale 1/65536 and zero point -32768 (TFLM)"]
        return []
    if out.dtype != DType.INT8:
        return [f"int8 input with {out.dtype.name.lower()} output (supported: int8, int16)"]
    if out.quant and (out.quant.zp != -128 or out.quant.s != 1.0 / 256):
        return ["int8 output must have scale 1/256 and zero point -128"]
    return []


def _check_s16(sg: Subgraph, op: Operator) -> list[str]:
    out = sg.tensors[op.outputs[0]]
    if out.dtype != DType.INT16:
        return [f"int16 input with {out.dtype.name.lower()} output (supported: int16)"]
    if out.quant and (out.quant.zp != 0 or abs(out.quant.s - 1.0 / 32768) > 0.001 / 32768):
        return ["int16 output must have scale 1/32768 and zero point 0"]
    return []


def _check_f32(sg: Subgraph, op: Operator) -> list[str]:
    out = sg.tensors[op.outputs[0]]
    return [] if out.dtype == DType.FLOAT32 else [f"float32 input with {out.dtype.name.lower()} output"]


CHECKS: dict[DType, Callable[[Subgraph, Operator], list[str]]] = {
    DType.INT8: _check_s8, DType.INT16: _check_s16, DType.FLOAT32: _check_f32}


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype not in CHECKS:
        return [f"activation type {inp.dtype.name.lower()} (supported: float32, int16, int8)"]
    problems = require_quant(inp, out) + CHECKS[inp.dtype](sg, op)
    if not inp.shape:
        problems.append("scalar input (TFLM needs at least one dimension)")
    elif inp.shape != out.shape:
        problems.append(f"{inp.describe()} -> {out.describe()} changes the shape")
    return problems


def _rows(ctx: LowerContext) -> tuple[tuple[str, int], tuple[str, int]]:
    inp = ctx.input(0)
    assert inp is not None
    depth = inp.shape[-1]
    return ("outer", inp.elements // depth if depth else 0), ("depth", depth)


def _call(ctx: LowerContext, function: str, params: tuple, arrays: tuple = ()) -> Lowered:
    return Lowered(calls=(KernelCall(function=function, params_type=f"{function}_params", params=params,
                                     inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), arrays=arrays),))


def lower_s8(ctx: LowerContext) -> Lowered:
    inp = ctx.input(0)
    assert inp is not None and inp.quant is not None
    mult, left_shift = preprocess_softmax_scaling(_beta(ctx.op), inp.quant.s, SCALED_DIFF_INTEGER_BITS)
    diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift)
    params = _rows(ctx) + (("input_multiplier", mult), ("input_left_shift", left_shift), ("diff_min", diff_min))
    function = "mf_softmax_s8" if ctx.output().dtype == DType.INT8 else "mf_softmax_s8_s16"
    return Lowered(calls=(KernelCall(function=function, params_type="mf_softmax_s8_params", params=params,
                                     inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],)),))


def lower_s16(ctx: LowerContext) -> Lowered:
    inp = ctx.input(0)
    assert inp is not None and inp.quant is not None
    mult, shift = softmax_s16_scaling(_beta(ctx.op), inp.quant.s)
    exp_lut = ctx.array("exp_lut", "int16_t", lut.softmax_exp_lut())
    recip_lut = ctx.array("one_over_one_plus_x_lut", "int16_t", lut.softmax_one_over_one_plus_x_lut())
    params = _rows(ctx) + (("input_multiplier", mult), ("input_shift", shift), ("exp_lut", Sym(exp_lut.name)),
                           ("one_over_one_plus_x_lut", Sym(recip_lut.name)))
    return _call(ctx, "mf_softmax_s16", params, (exp_lut, recip_lut))


def lower_f32(ctx: LowerContext) -> Lowered:
    return _call(ctx, "mf_softmax_f32", _rows(ctx) + (("beta", F32(_beta(ctx.op))),))


LOWER: dict[DType, Callable[[LowerContext], Lowered]] = {
    DType.INT8: lower_s8, DType.INT16: lower_s16, DType.FLOAT32: lower_f32}


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.input(0)
    assert inp is not None
    return LOWER[inp.dtype](ctx)


register(OpHandler(opcode="SOFTMAX", check=check, lower=lower, types=tuple(LOWER)))
