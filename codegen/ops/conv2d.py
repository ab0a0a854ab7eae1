"""CONV_2D: int8 and int16x8 (per-channel or per-tensor int8 weights) and float32; groups, dilation.

TFLM's integer kernels ignore the filter zero point; int16x8 has no input/output offsets and, with
an int64 bias or none, a 64-bit accumulator and the 64-bit requantisation (an int32 bias selects
TFLM's 32-bit variant). Multipliers are TFLM's
PopulateConvolutionQuantizationParams (double arithmetic, per-tensor scales broadcast to channels).
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops import dsp_pack
from codegen.ops import overlap
from codegen.ops.base import F32, NULL, CArray, LowerContext, Lowered, OpHandler, Scratch, Share, Sym
from codegen.ops.common import act_bounds, act_bounds_float, fused_activation
from codegen.ops.fully_connected import MVE_BLOCK, mve_gemm_arrays, mve_gemm_s8
from codegen.ops.registry import register
from codegen.ops.weighted import (DSP_ONLY_FIELDS, GENERIC_DSP_FIELDS, ConvGeometry, WeightRule,
                                  check_filter_window, filter_geometry, int16_scaling_problems, optional_input,
                                  weight_fields, weighted_call)
from codegen.quant.params import conv_channel_scaling

RULES = {
    DType.INT8: WeightRule(DType.INT8, (DType.INT32,)),
    DType.INT16: WeightRule(DType.INT8, (DType.INT64, DType.INT32)),
    DType.FLOAT32: WeightRule(DType.FLOAT32, (DType.FLOAT32,)),
}


def _fields(g: ConvGeometry, filter_c: int) -> list:
    return [("geo", g.c_value()), ("filter_c", filter_c)]


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems, g = check_filter_window(sg, op, RULES, channel_axis=0)
    if g is None:
        return problems
    flt = sg.tensors[op.inputs[1]]
    filter_c = flt.shape[3]
    if flt.shape[0] != g.out_c:
        problems.append(f"filter has {flt.shape[0]} output channels, the output {g.out_c}")
    if filter_c < 1 or g.in_c % filter_c or g.out_c % (g.in_c // filter_c):
        problems.append(f"input channels {g.in_c} and filter channels {filter_c} do not form groups "
                        f"that divide the {g.out_c} output channels")
    inp, out, bias = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]], optional_input(sg, op, 2)
    if not problems and inp.dtype == DType.INT16 and (bias is None or bias.dtype == DType.INT64):
        problems += int16_scaling_problems(inp, flt, out, g.out_c)
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    flt, out = sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    return out.elements * flt.shape[1] * flt.shape[2] * flt.shape[3]


def _scaling(ctx: LowerContext, g: ConvGeometry) -> tuple[list[int], list[int]]:
    inp, flt, out = ctx.input(0), ctx.input(1), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    s = conv_channel_scaling(inp.quant, flt.quant, out.quant, g.out_c)
    return s.mult, s.shift


def dsp_s8(ctx: LowerContext, g: ConvGeometry, w: np.ndarray) -> tuple[list, list[CArray]] | None:
    """Every field of the dsp kernel's params for the weights w ([out_c][k_h * k_w * in_c], each row
    the window in HWI order; row-pair weights, folded bias, requantisation records, scratch), or None
    when the row pairs cannot hold them. The op's inputs give the quantisation and the bias."""
    inp, flt, bias, out = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    act = act_bounds(fused_activation(ctx.op), out)
    s = conv_channel_scaling(inp.quant, flt.quant, out.quant, g.out_c)
    folded = dsp_pack.fold_bias(None if bias is None else np.asarray(bias.data), w, -inp.quant.zp)
    rq = dsp_pack.requant_records(folded, s.mult, s.shift, dsp_pack.acc_bound(w, 128), out.quant.zp, *act)
    padded = dsp_pack.pad_window_rows(w, g.k_h)
    packed = dsp_pack.pack_row_pairs(padded, dsp_pack.CONV_TILE)
    if packed is None:
        return None
    filt = ctx.array("dsp_filter", "int32_t", packed, kind="weights")
    chan = ctx.array("dsp_chan", "int32_t", rq.records)
    row_blocks = padded.shape[1] // (4 * g.k_h)
    # nn.h: the two-pixel column buffer (16 bytes per block of the window), then one window row
    scratch = Scratch("scratch", 16 * g.k_h * row_blocks + 4 * row_blocks, "int32_t")
    params: list = _fields(g, g.in_c) + [("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp),
                                         ("act_min", act[0]), ("act_max", act[1]),
                                         ("dsp_path", dsp_pack.PAIRS), ("dsp_requant", rq.mode),
                                         ("dsp_filter", Sym(filt.name)), ("dsp_chan", Sym(chan.name)),
                                         ("dsp_scratch", scratch)]
    return params + list(DSP_ONLY_FIELDS), [filt, chan]


MVE_GEMM = 1  # nn.h MF_MVE_GEMM: the mve kernel's window GEMM
MVE_PIXELS = 3  # output pixels per pass of the mve kernel over the weights (a gathered window each)


def mve_conv_s8(ctx: LowerContext, g: ConvGeometry, w: np.ndarray | None = None) -> tuple[list, list[CArray]]:
    """The mve kernel's fields (nn.h "MVE variant", MF_MVE_GEMM) for a convolution that is not
    grouped: the weights as out_c GEMM rows of the window (k_h * k_w * in_c, HWI), the folded bias,
    per-channel requantisation, scratch for three gathered windows and their sums. `w`: the rows
    [out_c][k_h * k_w * in_c] when the filter holds them in another order (DEPTHWISE_CONV_2D)."""
    inp, out = ctx.input(0), ctx.output()
    assert inp and inp.quant and out.quant
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    depth = g.k_h * g.k_w * g.in_c
    gemm = mve_gemm_arrays(ctx, g.out_c, depth, _scaling(ctx, g), w)
    params: list = _fields(g, g.in_c) + [("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp),
                                         ("act_min", act_min), ("act_max", act_max)]
    # the windows, then the groups' sums (4 bytes per window and grouped row)
    rows = Scratch("scratch", MVE_PIXELS * (MVE_BLOCK * -(-depth // MVE_BLOCK) + 4 * (g.out_c & ~3)), "int32_t")
    return (params + gemm.fields + [("dsp_path", MVE_GEMM), ("dsp_requant", 0), ("dsp_filter", NULL),
                                    ("dsp_chan", NULL), ("dsp_scratch", rows)], gemm.arrays)


def _lower_s8(ctx: LowerContext, g: ConvGeometry) -> tuple[list, list[CArray]]:
    inp, flt, out = ctx.input(0), ctx.input(1), ctx.output()
    assert inp and flt and inp.quant and out.quant
    if ctx.target.dsp and flt.shape[3] == g.in_c:  # not grouped
        dsp = dsp_s8(ctx, g, np.asarray(flt.data, dtype=np.int64).reshape(g.out_c, -1))
        if dsp is not None:  # the dsp kernel reads only its own arrays: the weights are stored once
            return dsp
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    params: list = _fields(g, flt.shape[3])
    params += [("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp),
               ("act_min", act_min), ("act_max", act_max)]
    weights, arrays = weight_fields(ctx, "int8_t", _scaling(ctx, g))
    return params + weights + list(GENERIC_DSP_FIELDS) + [("dsp_scratch", NULL)], arrays


def _lower_s16(ctx: LowerContext, g: ConvGeometry) -> tuple[list, list[CArray]]:
    flt, bias, out = ctx.input(1), ctx.input(2), ctx.output()
    assert flt is not None
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    # an int64 bias (or none): the 64-bit kernel; an int32 bias selects TFLM's 32-bit variant
    bias_field = "bias" if bias is None or bias.dtype == DType.INT64 else "bias32"
    weights, arrays = weight_fields(ctx, "int8_t", _scaling(ctx, g), bias_field=bias_field)
    weights.append(("bias32" if bias_field == "bias" else "bias", NULL))
    return _fields(g, flt.shape[3]) + [("act_min", act_min), ("act_max", act_max)] + weights, arrays


def _lower_f32(ctx: LowerContext, g: ConvGeometry) -> tuple[list, list[CArray]]:
    flt = ctx.input(1)
    assert flt is not None
    lo, hi = act_bounds_float(fused_activation(ctx.op))
    weights, arrays = weight_fields(ctx, "float")
    return _fields(g, flt.shape[3]) + [("act_min", F32(lo)), ("act_max", F32(hi))] + weights, arrays


_LOWER: dict[DType, Callable[[LowerContext, ConvGeometry], tuple[list, list[CArray]]]] = {
    DType.INT8: _lower_s8, DType.INT16: _lower_s16, DType.FLOAT32: _lower_f32}


def _pointwise(g: ConvGeometry, in_c_per_group: int) -> bool:
    """A 1x1 window at stride 1 over every pixel, not grouped: a matrix product of the pixels (rows of
    in_c bytes) and the weights, which is a FULLY_CONNECTED."""
    return (g.k_h == g.k_w == g.stride_h == g.stride_w == 1 and in_c_per_group == g.in_c
            and (g.in_h, g.in_w) == (g.out_h, g.out_w) and g.pad_top == g.pad_left == 0)


def lower(ctx: LowerContext) -> Lowered:
    inp, flt = ctx.input(0), ctx.input(1)
    assert inp is not None and flt is not None
    g = filter_geometry(ctx.subgraph, ctx.op)
    if inp.dtype == DType.INT8 and ctx.target.mve and _pointwise(g, flt.shape[3]):
        # the mve layout runs a 1x1 CONV_2D as the GEMM of its FULLY_CONNECTED kernel (out_h * out_w
        # rows; TFLM's per-channel requantisation is the same arithmetic)
        params, arrays = mve_gemm_s8(ctx, g.out_h * g.out_w, g.in_c, g.out_c, _scaling(ctx, g))
        share = Share(ctx.op.outputs[0], ctx.op.inputs[0], overlap.gemm_rows(g.out_h * g.out_w, g.in_c, g.out_c))
        return weighted_call(ctx, "mf_fully_connected_s8", params, arrays,
                             f"{g.label} {g.in_c}->{g.out_c} as FULLY_CONNECTED", shares=(share,))
    groups = g.in_c // flt.shape[3]
    label = f"{g.label} {g.in_c}->{g.out_c}" + (f" groups {groups}" if groups > 1 else "")
    if inp.dtype == DType.INT8 and ctx.target.mve and groups == 1:
        # three pixels at a time, their windows gathered before any of their outputs are written
        params, arrays = mve_conv_s8(ctx, g)
        share = Share(ctx.op.outputs[0], ctx.op.inputs[0], overlap.conv_pixel_groups(g, MVE_PIXELS))
        return weighted_call(ctx, "mf_conv2d_s8", params, arrays, label, shares=(share,))
    params, arrays = _LOWER[inp.dtype](ctx, g)
    return conv_call(ctx, g, f"mf_conv2d_{inp.dtype.short}", params, arrays, label)


def conv_call(ctx: LowerContext, g: ConvGeometry, fn: str, params: list, arrays: list[CArray],
              label: str) -> Lowered:
    """The mf_conv2d_* call. Kernels write in (oy, ox, oc) order: the output may overlap its dying
    input from the offset its schedule allows on."""
    inp = ctx.input(0)
    assert inp is not None
    if dict(params).get("dsp_path") == dsp_pack.PAIRS:  # two pixels at a time
        offset = overlap.conv_pairs(g)
    else:
        offset = overlap.window_share(g, inp.dtype.size, ctx.output().dtype.size, per_channel=False)
    share = Share(ctx.op.outputs[0], ctx.op.inputs[0], offset)
    return weighted_call(ctx, fn, params, arrays, label, shares=(share,), dsp_paths=_dsp_paths(dict(params), g))


def _dsp_paths(fields: dict, g: ConvGeometry) -> tuple[str, ...]:
    """The kernel's code this call runs beyond the assembly (mf_conv2d_s8.c: MF_DSP_WITH_<path>): the
    C tiles, for EXACT requantisation and a last tile of out_c % 4 rows."""
    if fields.get("dsp_path") == dsp_pack.PAIRS and (fields["dsp_requant"] == dsp_pack.RQ_EXACT or g.out_c % 4):
        return ("CONV_C_TILES",)
    return ()


register(OpHandler(opcode="CONV_2D", check=check, lower=lower, macs=macs, types=tuple(_LOWER)))
