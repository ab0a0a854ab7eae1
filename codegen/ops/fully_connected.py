"""FULLY_CONNECTED: int8 (TFLM's double rounding) and int16x8 with per-tensor or per-channel int8
weights, and float32; optional bias; inputs of any rank (batches = output elements / out_depth);
keep_num_dims only changes the output's shape.

TFLM's multipliers: per-tensor float32(input_scale * weights_scale) / output_scale in double
(GetQuantizedConvolutionMultipler), per-channel double(input) * double(weights[c]) / double(output).
The per-tensor int8 kernel applies the weights' zero point; the per-channel one does not.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops import dsp_pack
from codegen.ops.base import F32, NULL, CArray, LowerContext, Lowered, OpHandler, Scratch, Sym
from codegen.ops.common import act_bounds, act_bounds_float, fused_activation
from codegen.ops.registry import register
from codegen.ops.weighted import (DSP_ONLY_FIELDS, GENERIC_DSP_FIELDS, WeightRule, check_weighted,
                                  int16_shift_problems, weight_fields, weighted_call)
from codegen.quant.multiplier import quantize_multiplier
from codegen.quant.params import conv_channel_scaling

# the dsp kernel widens an input row into arena scratch (2 bytes per input) when its tiles run in
# assembly (8 or more rows) and the row is at most this long; longer rows are widened as read
WIDEN_MAX = 1024

RULES = {
    DType.INT8: WeightRule(DType.INT8, (DType.INT32,)),
    DType.INT16: WeightRule(DType.INT8, (DType.INT64,)),
    DType.FLOAT32: WeightRule(DType.FLOAT32, (DType.FLOAT32,)),
}


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, flt, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = check_weighted(sg, op, RULES, channel_axis=0, what="weights")
    if op.opt("weightsFormat", 0) != 0:
        problems.append("shuffled weights format")
    if len(flt.shape) != 2:
        problems.append(f"weights of rank {len(flt.shape)} (expected 2)")
        return problems
    out_depth, in_depth = flt.shape
    if not out.shape or out.shape[-1] != out_depth:
        problems.append(f"output {out.describe()} does not end in the weights' {out_depth} units")
    elif inp.elements != (out.elements // out_depth) * in_depth:
        problems.append(f"input of {inp.elements} elements is not {out.elements // out_depth} rows "
                        f"of the weights' depth {in_depth}")
    if not problems and inp.dtype == DType.INT16:
        problems += int16_shift_problems([s for _, s in _scaling(inp, flt, out)])
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    flt, out = sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    return out.elements * flt.shape[1]


def _scaling(inp: Tensor, flt: Tensor, out: Tensor) -> list[tuple[int, int]]:
    assert inp.quant and flt.quant and out.quant
    if flt.quant.per_channel:
        s = conv_channel_scaling(inp.quant, flt.quant, out.quant, len(flt.quant.scale))
        return list(zip(s.mult, s.shift))
    # TFLM's GetQuantizedConvolutionMultipler: double(input scale) * double(filter scale) / double(output scale)
    # (older TFLM multiplied the scales in float32 first; the installed reference does not: anomaly_detection
    # disagrees by one LSB on wide inputs with the float32 product)
    return [quantize_multiplier(inp.quant.s * flt.quant.s / out.quant.s)]


def _quantized(ctx: LowerContext) -> tuple[list, list[CArray]]:
    inp, flt, out = ctx.input(0), ctx.input(1), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    out_depth, in_depth = flt.shape
    pairs = _scaling(inp, flt, out)
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    filter_offset = 0 if flt.quant.per_channel else -flt.quant.zp
    params: list = [("batches", out.elements // out_depth), ("in_depth", in_depth), ("out_depth", out_depth)]
    if inp.dtype == DType.INT8:
        params += [("input_offset", -inp.quant.zp), ("filter_offset", filter_offset),
                   ("output_offset", out.quant.zp)]
    else:
        params += [("filter_offset", filter_offset)]
    params += [("act_min", act_min), ("act_max", act_max), ("n_mult", len(pairs))]
    weights, arrays = weight_fields(ctx, "int8_t", ([m for m, _ in pairs], [s for _, s in pairs]), name="weights")
    return params + weights, arrays


def _dsp_s8(ctx: LowerContext) -> tuple[list, list[CArray]] | None:
    """The dsp kernel's fields (row-pair weights over K = in_depth, folded bias, requantisation
    records, the chunk length, scratch for the widened input row), or None for the generic path
    (weights with a zero point, or a -128 under a negative weight, which a row pair cannot hold)."""
    inp, flt, bias, out = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    if not flt.quant.per_channel and flt.quant.zp != 0:
        return None
    w = np.asarray(flt.data, dtype=np.int64).reshape(flt.shape)
    pairs = _scaling(inp, flt, out)
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    folded = dsp_pack.fold_bias(None if bias is None else np.asarray(bias.data), w, -inp.quant.zp)
    rq = dsp_pack.requant_records(folded, [m for m, _ in pairs], [s for _, s in pairs],
                                  dsp_pack.acc_bound(w, 128), out.quant.zp, act_min, act_max)
    chunk = dsp_pack.pair_chunk(w)  # the kernel sums long rows in chunks where one sum could overflow
    packed = None if chunk is None else dsp_pack.pack_row_pairs(w, dsp_pack.FC_TILE, chunk)
    if packed is None:
        return None
    filt = ctx.array("dsp_filter", "int32_t", packed, kind="weights")
    chan = ctx.array("dsp_chan", "int32_t", rq.records)
    out_depth, in_depth = flt.shape
    params: list = [("batches", out.elements // out_depth), ("in_depth", in_depth), ("out_depth", out_depth),
                    ("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp),
                    ("act_min", act_min), ("act_max", act_max), ("n_mult", len(pairs)),
                    ("dsp_path", dsp_pack.PAIRS), ("dsp_requant", rq.mode), ("dsp_filter", Sym(filt.name)),
                    ("dsp_chan", Sym(chan.name)), ("dsp_chunk", chunk),
                    ("dsp_scratch", Scratch("scratch", 8 * -(-in_depth // 4), "int32_t")
                     if in_depth <= WIDEN_MAX and out_depth >= 8 else NULL)]
    return params, [filt, chan]


def mve_gemm_s8(ctx: LowerContext, batches: int, depth: int, rows: int,
                scaling: tuple[Sequence[int], Sequence[int]]) -> tuple[list, list[CArray]]:
    """The mve FULLY_CONNECTED kernel's fields (nn.h "MVE variant") for `batches` input rows of
    `depth` bytes times the op's weights (input 1, as `rows` rows of `depth`, without a zero point) and
    its bias (input 2) with `scaling` (multipliers, shifts: one, or one per row): :func:`mve_gemm_arrays`.
    CONV_2D 1x1 lowers to it too (codegen/ops/conv2d.py)."""
    inp, out = ctx.input(0), ctx.output()
    assert inp and inp.quant and out.quant
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    gemm = mve_gemm_arrays(ctx, rows, depth, scaling)
    params: list = [("batches", batches), ("in_depth", depth), ("out_depth", rows),
                    ("input_offset", -inp.quant.zp), ("filter_offset", 0), ("output_offset", out.quant.zp),
                    ("act_min", act_min), ("act_max", act_max), ("n_mult", len(scaling[0]))] + gemm.fields
    return params + list(GENERIC_DSP_FIELDS) + [("dsp_chunk", 0), ("dsp_scratch", NULL)], gemm.arrays


@dataclass(frozen=True)
class MveGemm:
    """The mve kernels' GEMM arrays and the params fields that name them (filter, bias, out_mult, out_shift)."""

    fields: list
    arrays: list[CArray]


def mve_gemm_arrays(ctx: LowerContext, rows: int, depth: int,
                    scaling: tuple[Sequence[int], Sequence[int]], w: np.ndarray | None = None) -> MveGemm:
    """The op's weights (input 1, as `rows` rows of `depth`, without a zero point) in groups of four
    rows (:func:`mve_pack_rows`), its bias (input 2) as bias + input_offset * (the row's weight sum),
    wrapped to int32 as TFLM's int32 accumulator wraps, always present, and `scaling` (multipliers,
    shifts: one, or one per row). `w`: the rows when input 1 holds them in another order."""
    inp, flt, bias = ctx.input(0), ctx.input(1), ctx.input(2)
    assert inp and flt and inp.quant
    w = np.asarray(flt.data, dtype=np.int64).reshape(rows, depth) if w is None else w
    folded = dsp_pack.fold_bias(None if bias is None else np.asarray(bias.data), w, -inp.quant.zp)
    wrapped = ((folded + 2**31) % 2**32 - 2**31).astype(np.int32)
    filt = ctx.array("mve_weights", "int8_t", mve_pack_rows(w), kind="weights")
    b = ctx.array("mve_bias", "int32_t", wrapped, kind="weights")
    mult, shift = ctx.array("mult", "int32_t", scaling[0]), ctx.array("shift", "int32_t", scaling[1])
    return MveGemm([("filter", Sym(filt.name)), ("bias", Sym(b.name)), ("out_mult", Sym(mult.name)),
                    ("out_shift", Sym(shift.name))], [filt, mult, shift, b])


MVE_BLOCK = 16  # bytes per vector: the mve kernel's weight blocks


def mve_pack_rows(w: np.ndarray) -> np.ndarray:
    """The mve FULLY_CONNECTED weights (nn.h "MVE variant"): each row zero-padded to whole 16-byte
    blocks; rows in groups of four, a group block-major (block k of its rows 0..3, then block k + 1);
    the last rows % 4 rows after the groups, one after the other."""
    rows, depth = w.shape
    nb = -(-depth // MVE_BLOCK)
    padded = np.zeros((rows, nb * MVE_BLOCK), dtype=np.int8)
    padded[:, :depth] = w
    full = rows - rows % 4
    groups = padded[:full].reshape(full // 4, 4, nb, MVE_BLOCK).transpose(0, 2, 1, 3)
    return np.concatenate([groups.reshape(-1), padded[full:].reshape(-1)])


def _mve_s8(ctx: LowerContext) -> tuple[list, list[CArray]]:
    """The mve kernel's fields: :func:`mve_gemm_s8`'s; weights with a zero point keep TFLM's bias (or
    NULL) and the kernel takes the reference algorithm."""
    inp, flt, out = ctx.input(0), ctx.input(1), ctx.output()
    assert inp and flt and flt.quant and out
    if not flt.quant.per_channel and flt.quant.zp != 0:
        params, arrays = _quantized(ctx)
        return params + list(GENERIC_DSP_FIELDS) + [("dsp_chunk", 0), ("dsp_scratch", NULL)], arrays
    out_depth, in_depth = flt.shape
    pairs = _scaling(inp, flt, out)
    return mve_gemm_s8(ctx, out.elements // out_depth, in_depth, out_depth,
                       ([m for m, _ in pairs], [s for _, s in pairs]))


def _lower_s8(ctx: LowerContext) -> tuple[list, list[CArray]]:
    if ctx.target.mve:
        return _mve_s8(ctx)
    dsp = _dsp_s8(ctx) if ctx.target.dsp else None
    if dsp is not None:  # weights without a zero point: filter_offset 0
        return dsp[0] + [("filter_offset", 0)] + list(DSP_ONLY_FIELDS), dsp[1]
    params, arrays = _quantized(ctx)
    return params + list(GENERIC_DSP_FIELDS) + [("dsp_chunk", 0), ("dsp_scratch", NULL)], arrays


def _lower_f32(ctx: LowerContext) -> tuple[list, list[CArray]]:
    flt, out = ctx.input(1), ctx.output()
    assert flt is not None
    out_depth, in_depth = flt.shape
    lo, hi = act_bounds_float(fused_activation(ctx.op))
    weights, arrays = weight_fields(ctx, "float", name="weights")
    params: list = [("batches", out.elements // out_depth), ("in_depth", in_depth), ("out_depth", out_depth),
                    ("act_min", F32(lo)), ("act_max", F32(hi))]
    return params + weights, arrays


_LOWER: dict[DType, Callable[[LowerContext], tuple[list, list[CArray]]]] = {
    DType.INT8: _lower_s8, DType.INT16: _quantized, DType.FLOAT32: _lower_f32}


def lower(ctx: LowerContext) -> Lowered:
    inp, flt = ctx.input(0), ctx.input(1)
    assert inp is not None and flt is not None
    params, arrays = _LOWER[inp.dtype](ctx)
    fn = f"mf_fully_connected_{inp.dtype.short}"
    return weighted_call(ctx, fn, params, arrays, f"{flt.shape[1]}->{flt.shape[0]}",
                         dsp_paths=_dsp_paths(dict(params)))


def _dsp_paths(fields: dict) -> tuple[str, ...]:
    """The kernel's code this call runs beyond the C (mf_fully_connected_s8.c: MF_DSP_WITH_<path>):
    FC_ROWS, the full 8-row tiles in mf_fully_connected_s8_rows.S, taken by a widened input row
    (scratch), FAST requantisation and rows summed in one chunk; a layer of fewer than 8 rows
    (visual_wake_words' 2-class head) runs the C tiles alone and links no assembly."""
    if fields.get("dsp_path") != dsp_pack.PAIRS or fields["dsp_scratch"] == NULL:
        return ()
    nblk = -(-int(fields["in_depth"]) // 4)
    if fields["dsp_requant"] == dsp_pack.RQ_EXACT or fields["dsp_chunk"] != nblk:
        return ()
    return ("FC_ROWS",)


register(OpHandler(opcode="FULLY_CONNECTED", check=check, lower=lower, macs=macs, types=tuple(_LOWER)))
