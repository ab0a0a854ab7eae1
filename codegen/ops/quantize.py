"""QUANTIZE and DEQUANTIZE (TFLM semantics).

QUANTIZE: float32 -> int8/int16 (``roundf(x / scale) + zero_point``, a float32 division), and
requantisation between int8 and int16 (``MBQM(q - zp_in) + zp_out`` with TFLM's double-precision
scale ratio); between one-byte types (int8 -> int8, and the uint8 <-> int8 of models converted
with uint8 I/O) it is a 256-entry table. DEQUANTIZE: int8/uint8/int16 -> float32,
``scale * (q - zero_point)`` (exactly TFLM's double product rounded to float). These are the pairs
TFLM's kernels take; it refuses float32 -> uint8 and uint8 -> uint8, and so does `check`.
"""

from __future__ import annotations

from typing import Callable

from codegen.ir import DType, Operator, Quant, Subgraph
from codegen.ops.activations import lut_call
from codegen.ops import overlap
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler, Share
from codegen.ops.registry import register
from codegen.quant import lut
from codegen.quant.multiplier import quantize_multiplier
from codegen.quant.params import qrange

Lower = Callable[[LowerContext], Lowered]


def requantize_scaling(inp: Quant, out: Quant) -> tuple[int, int]:
    """TFLM PrepareQuantizeReference: QuantizeMultiplier(double(in scale) / double(out scale))."""
    return quantize_multiplier(inp.s / out.s)


def _quants(ctx: LowerContext) -> tuple[Quant | None, Quant]:
    inp, out = ctx.input(0), ctx.output()
    assert inp is not None and out.quant is not None
    return inp.quant, out.quant


def _call(ctx: LowerContext, function: str, params_type: str, params: tuple) -> Lowered:
    """One element-by-element kernel; the output may overlap its dying input (a float input is
    quantised in place, a dequantised output grows downwards over its input)."""
    op, inp, out = ctx.op, ctx.input(0), ctx.output()
    assert inp is not None
    offset = overlap.elementwise(out.elements, inp.dtype.size, out.dtype.size)
    call = KernelCall(function=function, params_type=params_type, params=params, inputs=(op.inputs[0],),
                      outputs=(op.outputs[0],), shares=(Share(op.outputs[0], op.inputs[0], offset),))
    return Lowered(calls=(call,))


def _affine(ctx: LowerContext, q: Quant) -> tuple:
    return (("size", ctx.output().elements), ("scale", F32(q.s)), ("zero_point", q.zp))


def _quantize_float(ctx: LowerContext) -> Lowered:
    _, oq = _quants(ctx)
    out = ctx.output()
    return _call(ctx, f"mf_quantize_{out.dtype.short}", "mf_affine_params", _affine(ctx, oq))


def _requantize_bytes(ctx: LowerContext) -> Lowered:
    iq, oq = _quants(ctx)
    inp = ctx.input(0)
    assert iq is not None and inp is not None
    mult, shift = requantize_scaling(iq, oq)
    return lut_call(ctx, lut.requantize_bytes(inp.dtype, ctx.output().dtype, iq.zp, oq.zp, mult, shift), "requantize")


def _requantize(ctx: LowerContext) -> Lowered:
    iq, oq = _quants(ctx)
    assert iq is not None
    inp, out = ctx.input(0), ctx.output()
    assert inp is not None
    mult, shift = requantize_scaling(iq, oq)
    lo, hi = qrange(out.dtype)
    function = "mf_requantize_" + (inp.dtype.short if inp.dtype == out.dtype else f"{inp.dtype.short}_{out.dtype.short}")
    params = (("size", out.elements), ("input_zero_point", iq.zp), ("output_zero_point", oq.zp),
              ("multiplier", mult), ("shift", shift), ("act_min", lo), ("act_max", hi))
    return _call(ctx, function, "mf_requantize_params", params)


def _dequantize(ctx: LowerContext) -> Lowered:
    inp = ctx.input(0)
    assert inp is not None and inp.quant is not None
    return _call(ctx, f"mf_dequantize_{inp.dtype.short}", "mf_affine_params", _affine(ctx, inp.quant))


# the (input, output) type pairs TFLM takes, grouped by the path that lowers them
QUANTIZE: dict[tuple[DType, DType], Lower] = {
    **dict.fromkeys([(DType.FLOAT32, DType.INT8), (DType.FLOAT32, DType.INT16)], _quantize_float),
    # one byte in and one out: a 256-entry table
    **dict.fromkeys([(DType.INT8, DType.INT8), (DType.UINT8, DType.INT8), (DType.INT8, DType.UINT8)],
                    _requantize_bytes),
    **dict.fromkeys([(DType.INT8, DType.INT16), (DType.INT16, DType.INT8), (DType.INT16, DType.INT16),
                     (DType.INT8, DType.INT32), (DType.INT16, DType.INT32), (DType.INT32, DType.INT8),
                     (DType.INT32, DType.INT16)], _requantize),
}
DEQUANTIZE: dict[tuple[DType, DType], Lower] = dict.fromkeys(
    [(DType.INT8, DType.FLOAT32), (DType.UINT8, DType.FLOAT32), (DType.INT16, DType.FLOAT32)], _dequantize)


def _check(table: dict[tuple[DType, DType], Lower], quantised_side: str) -> Callable[[Subgraph, Operator], list[str]]:
    def check(sg: Subgraph, op: Operator) -> list[str]:
        inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
        pair = (inp.dtype, out.dtype)
        if pair not in table:
            names = ", ".join(f"{a.name.lower()}->{b.name.lower()}" for a, b in table)
            return [f"{inp.dtype.name.lower()} -> {out.dtype.name.lower()} (supported: {names})"]
        problems = []
        if inp.elements != out.elements:
            problems.append(f"{inp.describe()} -> {out.describe()} changes the element count")
        for t in (inp, out):
            if t.dtype == DType.FLOAT32:
                continue
            if t.quant is None:
                problems.append(f"tensor {t.name!r} has no quantisation parameters")
            elif t.quant.per_channel and t is out:
                problems.append(f"tensor {t.name!r} is quantised per channel ({quantised_side}'s output must be "
                                "per-tensor in TFLM)")
        return problems
    return check


def _dispatch(table: dict[tuple[DType, DType], Lower]) -> Lower:
    def lower(ctx: LowerContext) -> Lowered:
        inp = ctx.input(0)
        assert inp is not None
        return table[(inp.dtype, ctx.output().dtype)](ctx)
    return lower


register(OpHandler(opcode="QUANTIZE", check=_check(QUANTIZE, "QUANTIZE"), lower=_dispatch(QUANTIZE),
                   types=(DType.FLOAT32, DType.INT8, DType.UINT8, DType.INT16, DType.INT32)))
register(OpHandler(opcode="DEQUANTIZE", check=_check(DEQUANTIZE, "DEQUANTIZE"), lower=_dispatch(DEQUANTIZE),
                   types=(DType.INT8, DType.UINT8, DType.INT16)))
