"""Unary math: ABS, NEG, CEIL, FLOOR, ROUND, SQRT, RSQRT, SQUARE, EXP, LOG, SIN, COS and ELU, in every
type TFLM's kernels take (elementwise.cc, neg.cc, exp.cc, ceil.cc, floor.cc, round.cc, elu.cc).

float32: one kernel (``mf_math_f32``) whose ``fn`` picks the C library call TFLM makes.
int8 ABS, RSQRT and ELU: every output depends on one int8 input, so TFLM's integer (ABS, RSQRT) or
float (ELU's lookup table, which TFLM itself builds in its Prepare) arithmetic is evaluated here for
all 256 inputs and the device looks the result up (``mf_lut_s8``).
int16 ABS: ``mf_abs_s16`` (TFLM's unquantised, clamped and rescaled paths).
Refused as TFLM refuses them: int16 RSQRT (its Prepare takes float32 and int8 only), integer types
for the float-only builtins, int16 ELU.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Quant, Subgraph
from codegen.ops.activations import lut_call
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.pairwise import check_quant, dispatch, names
from codegen.ops.registry import register
from codegen.quant import gemmlowp as fp
from codegen.quant import lut
from codegen.quant.multiplier import INT32_MAX, f32, multiply_by_quantized_multiplier, quantize_multiplier

Lower = Callable[[LowerContext], Lowered]

# nn.h MF_MATH_*
MATH_FN = {"ABS": 0, "NEG": 1, "CEIL": 2, "FLOOR": 3, "ROUND": 4, "SQRT": 5, "RSQRT": 6, "SQUARE": 7,
           "EXP": 8, "LOG": 9, "SIN": 10, "COS": 11, "ELU": 12}


# --- TFLM's int8 arithmetic, evaluated per input value ------------------------------------------

def _clamp(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else hi if v > hi else v


@dataclass(frozen=True)
class AbsParams:
    """TFLM PrepareAbsRsqrt for ABS: rescale only when the float32 scales differ; the multiplier
    is QuantizeMultiplier(double(float(in_scale / out_scale)))."""

    in_zp: int
    out_zp: int
    rescale: bool
    mult: int
    shift: int


def abs_params(inp: Quant, out: Quant) -> AbsParams:
    rescale = inp.s != out.s
    mult, shift = quantize_multiplier(f32(inp.s / out.s)) if rescale else (0, 0)
    return AbsParams(inp.zp, out.zp, rescale, mult, shift)


def abs_value(q: int, p: AbsParams, lo: int, hi: int) -> int:
    v = abs(q - p.in_zp)
    if p.rescale:
        v = multiply_by_quantized_multiplier(v, p.mult, p.shift)
    return _clamp(v + p.out_zp, lo, hi)


def inv_sqrt_multiplier(x: int) -> tuple[int, int]:
    """TFLM GetInvSqrtQuantizedMultiplierExp(x, kReverseShift): 1/sqrt(x) as (Q0.31 multiplier,
    shift), by five Newton-Raphson steps in gemmlowp Q3.28."""
    if x <= 1:
        return INT32_MAX, 0
    shift = 11
    while x >= (1 << 29):
        x //= 4
        shift += 1
    clz = 32 - x.bit_length()
    pairs = (clz - 1) // 2 - 1
    shift -= pairs
    x <<= 2 * pairs
    half_input = fp.rdbpot(x >> 1, 1)
    half_three = (1 << 28) + (1 << 27)
    y = 1 << 28  # 1.0 in Q3.28
    for _ in range(5):
        y3 = fp.rescale(fp.srdhm(fp.srdhm(y, y), y), 9, 3)
        y = fp.rescale(fp.wrap32(fp.srdhm(half_three, y) - fp.srdhm(half_input, y3)), 6, 3)
    y = fp.srdhm(y, 1518500250)  # * sqrt(2) / 2
    if shift < 0:
        y = fp.wrap32(y << -shift)
        shift = 0
    return y, -shift


def rsqrt_scaling(inp: Quant, out: Quant) -> tuple[int, int]:
    """TFLM SetRsqrtOutputMultiplier: 1 / double(sqrtf(in_scale) * out_scale) (float32 product)."""
    return quantize_multiplier(1.0 / f32(f32(math.sqrt(f32(inp.s))) * out.s))


def rsqrt_value(q: int, inp: Quant, out: Quant, mult: int, shift: int) -> int:
    """TFLM RsqrtEvalQuantized for one int8 value. TFLM fails the invoke for an input below the
    zero point (a negative real value); the table holds 127 there, as for 0."""
    v = q - inp.zp
    if v <= 0:
        return 127
    inv_mult, inv_shift = inv_sqrt_multiplier(v)
    data = multiply_by_quantized_multiplier(1, inv_mult, inv_shift + 20)
    return _clamp(multiply_by_quantized_multiplier(data, mult, shift - 20) + out.zp, -128, 127)


def elu_value(q: int, inp: Quant, out: Quant) -> int:
    """TFLM's ELU lookup-table entry (PopulateLookupTable, float32 arithmetic with expf)."""
    inverse_scale = f32(1.0 / f32(out.s))
    x = f32(f32(inp.s) * f32(q - inp.zp))
    y = f32(lut.expf(x) - 1.0) if x < 0.0 else x
    rescaled = lut.roundf(f32(y * inverse_scale))
    quantized = int(f32(rescaled + out.zp))
    return _clamp(quantized, -128, 127)


# --- lowering ------------------------------------------------------------------------------------

def _quants(ctx: LowerContext) -> tuple[Quant, Quant]:
    inp, out = ctx.input(0), ctx.output()
    assert inp is not None and inp.quant is not None and out.quant is not None
    return inp.quant, out.quant


def _math_f32(ctx: LowerContext) -> Lowered:
    op = ctx.op
    c = KernelCall(function="mf_math_f32", params_type="mf_math_f32_params",
                   params=(("size", ctx.output().elements), ("fn", MATH_FN[op.opcode])), inputs=(op.inputs[0],),
                   outputs=(op.outputs[0],), comment=op.opcode.lower(), inplace=((op.outputs[0], op.inputs[0]),))
    return Lowered(calls=(c,))


def abs_table(iq: Quant, oq: Quant) -> np.ndarray:
    p = abs_params(iq, oq)
    return lut.table_s8(lambda q: abs_value(q, p, -128, 127))


def rsqrt_table(iq: Quant, oq: Quant) -> np.ndarray:
    mult, shift = rsqrt_scaling(iq, oq)
    return lut.table_s8(lambda q: rsqrt_value(q, iq, oq, mult, shift))


def elu_table(iq: Quant, oq: Quant) -> np.ndarray:
    return lut.table_s8(lambda q: elu_value(q, iq, oq))


def _table_s8(table: Callable[[Quant, Quant], np.ndarray]) -> Lower:
    return lambda ctx: lut_call(ctx, table(*_quants(ctx)), ctx.op.opcode.lower())


ABS_RAW, ABS_CLAMP, ABS_RESCALE = 0, 1, 2  # nn.h MF_ABS_*


def _abs_s16(ctx: LowerContext) -> Lowered:
    op, inp, out = ctx.op, ctx.input(0), ctx.output()
    assert inp is not None
    if inp.quant is None:
        mode, mult, shift = ABS_RAW, 0, 0
    else:
        p = abs_params(*_quants(ctx))
        mode, mult, shift = (ABS_RESCALE, p.mult, p.shift) if p.rescale else (ABS_CLAMP, 0, 0)
    c = KernelCall(function="mf_abs_s16", params_type="mf_abs_s16_params",
                   params=(("size", out.elements), ("mode", mode), ("multiplier", mult), ("shift", shift)),
                   inputs=(op.inputs[0],), outputs=(op.outputs[0],), inplace=((op.outputs[0], op.inputs[0]),))
    return Lowered(calls=(c,))


# --- checks --------------------------------------------------------------------------------------

def _abs_quant(sg: Subgraph, op: Operator) -> list[str]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype == DType.INT16 and inp.quant is None:
        return []  # TFLM's unquantised int16 ABS
    problems = check_quant(inp, out)
    if not problems and inp.dtype == DType.INT16 and (inp.quant.zp != 0 or out.quant.zp != 0):
        problems.append("int16 with non-zero zero points (TFLM requires 0)")
    return problems


def _quantised(sg: Subgraph, op: Operator) -> list[str]:
    return check_quant(sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]])


@dataclass(frozen=True)
class UnarySpec:
    """One builtin: its lowering per input type, the quantisation check of its integer types, why
    TFLM refuses the types it refuses, and a numpy fold when numpy's result is TFLM's exactly."""

    lower: dict[DType, Lower]
    quant_check: Callable[[Subgraph, Operator], list[str]] = _quantised
    refused: dict[DType, str] = field(default_factory=dict)
    fold: Callable[[np.ndarray], np.ndarray] | None = None
    same_shape: bool = False  # TFLM's Prepare compares the shapes, not only the element counts
    table: Callable[[Quant, Quant], np.ndarray] | None = None  # the int8 lookup table


_F32 = {DType.FLOAT32: _math_f32}
_FLOAT_ONLY = "TFLM's kernel computes float32 only"


def _float_only(fold: Callable[[np.ndarray], np.ndarray] | None = None, same_shape: bool = False) -> UnarySpec:
    return UnarySpec(_F32, refused={DType.INT8: _FLOAT_ONLY, DType.INT16: _FLOAT_ONLY}, fold=fold,
                     same_shape=same_shape)


def _round_half_even(x: np.ndarray) -> np.ndarray:
    return np.round(x)  # numpy rounds halves to even, as TFLM's RoundToNearest


SPECS: dict[str, UnarySpec] = {
    "ABS": UnarySpec({DType.FLOAT32: _math_f32, DType.INT8: _table_s8(abs_table), DType.INT16: _abs_s16},
                     _abs_quant, fold=np.abs, table=abs_table),
    "RSQRT": UnarySpec({DType.FLOAT32: _math_f32, DType.INT8: _table_s8(rsqrt_table)},
                       refused={DType.INT16: "TFLM's RSQRT Prepare accepts float32 and int8 only"},
                       fold=lambda x: np.float32(1.0) / np.sqrt(x), table=rsqrt_table),
    "ELU": UnarySpec({DType.FLOAT32: _math_f32, DType.INT8: _table_s8(elu_table)},
                     refused={DType.INT16: "TFLM's ELU supports float32 and int8 only"}),
    "NEG": _float_only(np.negative),
    "CEIL": _float_only(np.ceil, same_shape=True),
    "FLOOR": _float_only(np.floor),
    "ROUND": _float_only(_round_half_even, same_shape=True),
    "SQRT": _float_only(np.sqrt),
    "SQUARE": _float_only(np.square),
    "EXP": _float_only(same_shape=True),
    "LOG": _float_only(),
    "SIN": _float_only(),
    "COS": _float_only(),
}


def _check(spec: UnarySpec) -> Callable[[Subgraph, Operator], list[str]]:
    def check(sg: Subgraph, op: Operator) -> list[str]:
        problems = check_arity(op, 1)
        if problems:
            return problems
        inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
        if inp.dtype in spec.refused:
            return [f"type {inp.dtype.name.lower()}: {spec.refused[inp.dtype]}"]
        if inp.dtype not in spec.lower:
            return [f"type {inp.dtype.name.lower()} (supported: {names(spec.lower)})"]
        if out.dtype != inp.dtype:
            return [f"output type {out.dtype.name.lower()} differs from input type {inp.dtype.name.lower()}"]
        if spec.same_shape and inp.shape != out.shape:
            return [f"{inp.describe()} -> {out.describe()} changes the shape"]
        if inp.elements != out.elements:
            return [f"{inp.describe()} -> {out.describe()} changes the element count"]
        return [] if inp.dtype == DType.FLOAT32 else spec.quant_check(sg, op)
    return check


def abs_s16_values(x: np.ndarray, inp: Quant | None, out: Quant | None) -> np.ndarray:
    """mf_abs_s16 in numpy (constant folding)."""
    a = np.abs(x.astype(np.int64))
    if inp is None or out is None:
        return a.astype(np.int16)  # wraps -32768 as TFLM's std::abs does
    p = abs_params(inp, out)
    if p.rescale:
        a = np.array([multiply_by_quantized_multiplier(int(v), p.mult, p.shift) for v in a.reshape(-1)],
                     dtype=np.int64).reshape(a.shape)
    return np.clip(a, -32768, 32767).astype(np.int16)


def _fold(spec: UnarySpec):
    """Constant folding where the result is TFLM's exactly: numpy for float32 (IEEE-exact
    functions only), the lookup table for int8, the int16 ABS arithmetic."""
    if spec.fold is None:
        return None

    def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
        inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
        x = np.asarray(values[0])
        if inp.dtype == DType.FLOAT32:
            return [np.asarray(spec.fold(x.astype(np.float32)), dtype=np.float32)]
        if inp.dtype == DType.INT8 and spec.table is not None:
            return [spec.table(inp.quant, out.quant)[x.astype(np.int8).view(np.uint8)]]
        return [abs_s16_values(x, inp.quant, out.quant)]
    return fold


for _opcode, _spec in SPECS.items():
    register(OpHandler(opcode=_opcode, check=_check(_spec), lower=dispatch(_spec.lower), fold=_fold(_spec),
                       types=tuple(_spec.lower)))
