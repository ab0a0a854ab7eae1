"""RELU, RELU6, LEAKY_RELU, HARD_SWISH, LOGISTIC, TANH on int8, int16 and float32 (TFLM semantics).

int8: every op is a function of one int8 value, so the generator evaluates TFLM's integer kernel
for all 256 inputs (:mod:`codegen.quant.lut`, gemmlowp fixed point for LOGISTIC/TANH exactly as TFLM's
int8 path) and the device looks the result up (``mf_lut_s8``).
int16: TFLM's kernels (requantising RELU, raw-clamp RELU6, LEAKY_RELU, table-interpolated LOGISTIC
and TANH; TFLM has no int16 HARD_SWISH). float32: TFLM's formulas with the C library's expf/tanhf.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Quant, Subgraph, Tensor
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler, Sym
from codegen.ops.registry import register
from codegen.quant import lut
from codegen.quant.multiplier import f32, quantize_multiplier, round_half_away

Lower = Callable[[LowerContext], Lowered]

QRANGE = {DType.INT8: (-128, 127), DType.INT16: (-32768, 32767)}


# --- parameters (TFLM's Prepare functions) -------------------------------------------------------

def relu_params(inp: Quant, out: Quant, dtype: DType) -> tuple[int, int, int, int]:
    """TFLM CalculateReluOpData: (multiplier, shift, act_min, act_max)."""
    mult, shift = quantize_multiplier(inp.s / out.s)
    lo, hi = QRANGE[dtype]
    act_min = max(lo, out.zp + int(round_half_away(f32(0.0 / out.s))))
    return mult, shift, act_min, hi


def relu6_bounds(inp: Quant, dtype: DType) -> tuple[int, int]:
    """TFLM Relu6Prepare: clamp the raw input to [input zero point, FloatToQuantizedType(6.0)]."""
    lo, hi = QRANGE[dtype]
    six = round_half_away(f32(6.0 / inp.s)) + inp.zp
    return inp.zp, max(lo, min(hi, six))


def leaky_relu_params(inp: Quant, out: Quant, alpha: float) -> lut.LeakyReluParams:
    """TFLM CalculateOpDataLeakyRelu: both multipliers from float32 products."""
    ma, sa = quantize_multiplier(f32(f32(inp.s * alpha) / out.s))
    mi, si = quantize_multiplier(f32(inp.s / out.s))
    return lut.LeakyReluParams(inp.zp, out.zp, mi, si, ma, sa)


def _downscale_to_int16(m: int) -> int:
    """TFLM DownScaleInt32ToInt16Multiplier."""
    return 32767 if m >= (1 << 31) - 1 - (1 << 15) else (m + (1 << 15)) >> 16


def hard_swish_params(inp: Quant, out: Quant) -> lut.HardSwishParams:
    """TFLM HardSwishPrepare (float32 scale ratios, int16 fixed-point multipliers)."""
    hires = f32(inp.s / 128.0)
    reluish_scale = f32(3.0 / 32768.0)
    om, oe = quantize_multiplier(f32(hires / out.s))
    rm, re = quantize_multiplier(f32(hires / reluish_scale))
    return lut.HardSwishParams(inp.zp, out.zp, _downscale_to_int16(om), oe, _downscale_to_int16(rm), re)


def sigmoid_s8_params(inp: Quant) -> lut.SigmoidParams:
    """TFLM's int8 LOGISTIC/TANH Prepare: Q4.27 input multiplier by frexp, and the input radius."""
    frac, shift = math.frexp(inp.s * float(1 << 27))
    mult = round_half_away(frac * (1 << 31))
    mult = ((mult + (1 << 31)) % (1 << 32)) - (1 << 31)  # static_cast<int32_t>
    radius = math.floor(15.0 * (1 << 27) / 2.0 ** shift)  # CalculateInputRadius(4, shift, 31)
    return lut.SigmoidParams(inp.zp, mult, shift, radius)


def sigmoid_s16_params(inp: Quant, tanh: bool) -> tuple[int, int]:
    """TFLM's int16 LOGISTIC/TANH Prepare, with the kernel's power-of-two substitution applied:
    (input_multiplier, input_left_shift) for x = (in * multiplier + round) >> left_shift."""
    pot, log2 = lut.checked_log2(inp.s)
    left_shift = 12 + log2
    pot = pot and left_shift in ((0, 1) if tanh else (0,))
    if pot:
        return 3 << left_shift, 0
    m = inp.s * 4096.0 * 3.0
    left_shift = 0
    while m <= 32767.0 / 2.0 and left_shift <= 30:
        left_shift += 1
        m *= 2.0
    return int(m), left_shift


# --- checks --------------------------------------------------------------------------------------

def _io(sg: Subgraph, op: Operator) -> tuple[Tensor, Tensor]:
    return sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]


def _check(types: dict[DType, Lower], extra: Callable[[Tensor, Tensor, Operator], list[str]] | None = None
           ) -> Callable[[Subgraph, Operator], list[str]]:
    def check(sg: Subgraph, op: Operator) -> list[str]:
        inp, out = _io(sg, op)
        if inp.dtype not in types:
            names = ", ".join(t.name.lower() for t in types)
            return [f"type {inp.dtype.name.lower()} (supported: {names})"]
        if out.dtype != inp.dtype:
            return [f"output type {out.dtype.name.lower()} differs from input type {inp.dtype.name.lower()}"]
        if inp.elements != out.elements:
            return [f"{inp.describe()} -> {out.describe()} changes the element count"]
        if inp.dtype == DType.FLOAT32:
            return []
        problems = [f"tensor {t.name!r} has no quantisation parameters" for t in (inp, out) if t.quant is None]
        problems += [f"tensor {t.name!r} is quantised per channel" for t in (inp, out)
                     if t.quant is not None and t.quant.per_channel]
        if not problems and extra is not None:
            problems += extra(inp, out, op)
        return problems
    return check


def _zero_points_zero(inp: Tensor, out: Tensor, op: Operator) -> list[str]:
    if inp.dtype == DType.INT16 and (inp.quant.zp != 0 or out.quant.zp != 0):
        return ["int16 with non-zero zero points (TFLM requires 0)"]
    return []


def _sigmoid_extra(tanh: bool) -> Callable[[Tensor, Tensor, Operator], list[str]]:
    def extra(inp: Tensor, out: Tensor, op: Operator) -> list[str]:
        if inp.dtype == DType.INT8:
            if not tanh and out.quant.zp != -128:
                return ["int8 LOGISTIC output zero point must be -128 (TFLM)"]
            return []
        problems = _zero_points_zero(inp, out, op)
        pot, log2 = lut.checked_log2(out.quant.s)
        if not pot or log2 != -15:
            problems.append("int16 output scale must be 2^-15 (TFLM)")
        mult, _ = sigmoid_s16_params(inp.quant, tanh)
        if mult > 32767:
            problems.append(f"int16 input scale {inp.quant.s} is too large (multiplier {mult} > 32767)")
        return problems
    return extra


def _hard_swish_extra(inp: Tensor, out: Tensor, op: Operator) -> list[str]:
    if hard_swish_params(inp.quant, out.quant).out_exp > 0:
        return ["output scale below input scale / 128 (TFLM requires a right-shifting output multiplier)"]
    return []


# --- lowering ------------------------------------------------------------------------------------

def _call(ctx: LowerContext, function: str, params_type: str, params: tuple, arrays: tuple = (),
          comment: str = "") -> Lowered:
    op = ctx.op
    call = KernelCall(function=function, params_type=params_type, params=params, inputs=(op.inputs[0],),
                      outputs=(op.outputs[0],), arrays=arrays, comment=comment,
                      inplace=((op.outputs[0], op.inputs[0]),))
    return Lowered(calls=(call,))


def lut_call(ctx: LowerContext, table: np.ndarray, comment: str = "") -> Lowered:
    """A one-byte -> one-byte table lookup, for any op whose table the caller computed: int8 -> int8
    (``mf_lut_s8``), and the uint8 <-> int8 requantisations (``mf_lut_u8_s8``, ``mf_lut_s8_u8``)."""
    inp, out = ctx.input(0), ctx.output()
    assert inp is not None
    types = "s8" if inp.dtype == out.dtype == DType.INT8 else f"{inp.dtype.short}_{out.dtype.short}"
    arr = ctx.array("table", out.dtype.c_type, table)
    return _call(ctx, f"mf_lut_{types}", f"mf_lut_{out.dtype.short}_params",
                 (("size", out.elements), ("table", Sym(arr.name))), (arr,), comment)


def _quants(ctx: LowerContext) -> tuple[Quant, Quant]:
    inp, out = ctx.input(0), ctx.output()
    assert inp is not None and inp.quant is not None and out.quant is not None
    return inp.quant, out.quant


def _size(ctx: LowerContext) -> tuple:
    return (("size", ctx.output().elements),)


def _clamp_f32(lo: float, hi: float) -> Lower:
    return lambda ctx: _call(ctx, "mf_clamp_f32", "mf_clamp_f32_params", _size(ctx) + (("lo", F32(lo)), ("hi", F32(hi))))


def _relu_s8(ctx: LowerContext) -> Lowered:
    iq, oq = _quants(ctx)
    mult, shift, lo, hi = relu_params(iq, oq, DType.INT8)
    return lut_call(ctx, lut.requantize_s8(iq.zp, oq.zp, mult, shift, lo, hi), "relu")


def _relu_s16(ctx: LowerContext) -> Lowered:
    iq, oq = _quants(ctx)
    mult, shift, lo, hi = relu_params(iq, oq, DType.INT16)
    params = _size(ctx) + (("input_zero_point", iq.zp), ("output_zero_point", oq.zp), ("multiplier", mult),
                           ("shift", shift), ("act_min", lo), ("act_max", hi))
    return _call(ctx, "mf_requantize_s16", "mf_requantize_params", params, comment="relu")


def _relu6_s8(ctx: LowerContext) -> Lowered:
    iq, _ = _quants(ctx)
    return lut_call(ctx, lut.clamp_s8(*relu6_bounds(iq, DType.INT8)), "relu6")


def _relu6_s16(ctx: LowerContext) -> Lowered:
    iq, _ = _quants(ctx)
    lo, hi = relu6_bounds(iq, DType.INT16)
    return _call(ctx, "mf_clamp_s16", "mf_clamp_s16_params", _size(ctx) + (("lo", lo), ("hi", hi)), comment="relu6")


def _alpha(ctx: LowerContext) -> float:
    return float(ctx.op.opt("alpha", 0.0))


def _leaky_s8(ctx: LowerContext) -> Lowered:
    iq, oq = _quants(ctx)
    return lut_call(ctx, lut.leaky_relu_s8(leaky_relu_params(iq, oq, _alpha(ctx))))


def _leaky_s16(ctx: LowerContext) -> Lowered:
    iq, oq = _quants(ctx)
    p = leaky_relu_params(iq, oq, _alpha(ctx))
    params = _size(ctx) + (("input_zero_point", p.in_zp), ("output_zero_point", p.out_zp),
                           ("mult_identity", p.mult_identity), ("shift_identity", p.shift_identity),
                           ("mult_alpha", p.mult_alpha), ("shift_alpha", p.shift_alpha))
    return _call(ctx, "mf_leaky_relu_s16", "mf_leaky_relu_s16_params", params)


def _leaky_f32(ctx: LowerContext) -> Lowered:
    return _call(ctx, "mf_leaky_relu_f32", "mf_leaky_relu_f32_params", _size(ctx) + (("alpha", F32(_alpha(ctx))),))


def _hard_swish_s8(ctx: LowerContext) -> Lowered:
    iq, oq = _quants(ctx)
    return lut_call(ctx, lut.hard_swish_s8(hard_swish_params(iq, oq)))


def _unary_f32(function: str) -> Lower:
    return lambda ctx: _call(ctx, function, "mf_unary_params", _size(ctx))


def _logistic_s8(ctx: LowerContext) -> Lowered:
    iq, _ = _quants(ctx)
    return lut_call(ctx, lut.logistic_s8(sigmoid_s8_params(iq)))


def _tanh_s8(ctx: LowerContext) -> Lowered:
    iq, _ = _quants(ctx)
    return lut_call(ctx, lut.tanh_s8(sigmoid_s8_params(iq)))


def _sigmoid_s16(function: str, tanh: bool) -> Lower:
    def lower(ctx: LowerContext) -> Lowered:
        iq, _ = _quants(ctx)
        mult, shift = sigmoid_s16_params(iq, tanh)
        table = ctx.array("sigmoid", "uint16_t", np.asarray(lut.SIGMOID_TABLE_U16, dtype=np.uint16))
        params = _size(ctx) + (("input_multiplier", mult), ("input_left_shift", shift), ("table", Sym(table.name)))
        return _call(ctx, function, "mf_sigmoid_s16_params", params, (table,))
    return lower


RELU: dict[DType, Lower] = {DType.INT8: _relu_s8, DType.INT16: _relu_s16,
                            DType.FLOAT32: _clamp_f32(0.0, math.inf)}
RELU6: dict[DType, Lower] = {DType.INT8: _relu6_s8, DType.INT16: _relu6_s16, DType.FLOAT32: _clamp_f32(0.0, 6.0)}
LEAKY_RELU: dict[DType, Lower] = {DType.INT8: _leaky_s8, DType.INT16: _leaky_s16, DType.FLOAT32: _leaky_f32}
HARD_SWISH: dict[DType, Lower] = {DType.INT8: _hard_swish_s8, DType.FLOAT32: _unary_f32("mf_hard_swish_f32")}
LOGISTIC: dict[DType, Lower] = {DType.INT8: _logistic_s8, DType.INT16: _sigmoid_s16("mf_logistic_s16", False),
                                DType.FLOAT32: _unary_f32("mf_logistic_f32")}
TANH: dict[DType, Lower] = {DType.INT8: _tanh_s8, DType.INT16: _sigmoid_s16("mf_tanh_s16", True),
                            DType.FLOAT32: _unary_f32("mf_tanh_f32")}


def _register(opcode: str, table: dict[DType, Lower],
              extra: Callable[[Tensor, Tensor, Operator], list[str]] | None = None) -> None:
    register(OpHandler(opcode=opcode, check=_check(table, extra),
                       lower=lambda ctx: table[ctx.input(0).dtype](ctx), types=tuple(table)))


_register("RELU", RELU, _zero_points_zero)
_register("RELU6", RELU6)
_register("LEAKY_RELU", LEAKY_RELU)
_register("HARD_SWISH", HARD_SWISH, _hard_swish_extra)
_register("LOGISTIC", LOGISTIC, _sigmoid_extra(tanh=False))
_register("TANH", TANH, _sigmoid_extra(tanh=True))
