"""DEPTHWISE_CONV_2D: int8 and int16x8 (per-channel or per-tensor int8 weights) and float32; depth
multipliers, strides, dilation, SAME/VALID, fused activations.

The filter is [1][k_h][k_w][in_c * depth_mult]; per-channel scales sit on axis 3. TFLM's integer
kernels ignore the filter zero point; int16x8 sums in 64 bits with an optional int64 bias.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops import conv2d, dsp_pack
from codegen.ops import overlap
from codegen.ops.base import F32, NULL, CArray, LowerContext, Lowered, OpHandler, Scratch, Share, Sym
from codegen.ops.common import act_bounds, act_bounds_float, fused_activation
from codegen.ops.registry import register
from codegen.ops.weighted import (DSP_ONLY_FIELDS, GENERIC_DSP_FIELDS, ConvGeometry, WeightRule,
                                  check_filter_window, filter_geometry, int16_scaling_problems, weight_fields,
                                  weighted_call, window_leaves_input)
from codegen.quant.params import conv_channel_scaling

RULES = {
    DType.INT8: WeightRule(DType.INT8, (DType.INT32,)),
    DType.INT16: WeightRule(DType.INT8, (DType.INT64,)),
    DType.FLOAT32: WeightRule(DType.FLOAT32, (DType.FLOAT32,)),
}
# bytes of arena scratch the planar depthwise kernel may take before it works in bands of rows
PLANAR_SCRATCH_BUDGET = 8192


def _fields(g: ConvGeometry) -> list:
    return [("geo", g.c_value())]


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems, g = check_filter_window(sg, op, RULES, channel_axis=3)
    if g is None:
        return problems
    flt = sg.tensors[op.inputs[1]]
    if flt.shape[0] != 1 or flt.shape[3] != g.out_c:
        problems.append(f"filter shape {flt.shape} (expected [1, k_h, k_w, {g.out_c}])")
    if g.in_c < 1 or g.out_c % g.in_c:
        problems.append(f"output channels {g.out_c} are not a multiple of the input channels {g.in_c}")
    else:
        # TFLM loops over the option's multiplier; a model where it disagrees with the shapes would
        # leave output channels unwritten there.
        option = int(op.opt("depthMultiplier", 0))
        if option != g.out_c // g.in_c:
            problems.append(f"depth_multiplier option {option} does not match the shapes "
                            f"({g.in_c} -> {g.out_c} channels)")
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if not problems and inp.dtype == DType.INT16:
        problems += int16_scaling_problems(inp, flt, out, g.out_c)
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    flt, out = sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    return out.elements * flt.shape[1] * flt.shape[2]


def _quantized(ctx: LowerContext, g: ConvGeometry) -> tuple[list, list[CArray]]:
    """The fields after the geometry, for s8 (with offsets) and s16 (without)."""
    inp, flt, out = ctx.input(0), ctx.input(1), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    s = conv_channel_scaling(inp.quant, flt.quant, out.quant, g.out_c)
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    params: list = _fields(g)
    if inp.dtype == DType.INT8:
        params += [("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp)]
    weights, arrays = weight_fields(ctx, "int8_t", (s.mult, s.shift))
    return params + [("act_min", act_min), ("act_max", act_max)] + weights, arrays


def _dsp_s8(ctx: LowerContext, g: ConvGeometry) -> tuple[list, list[CArray]] | None:
    """The dsp kernel's fields (weights widened to int16 lanes per group of 4 channels, requantisation
    records), or None for the generic path (a depth multiplier, channels not a multiple of 4)."""
    inp, flt, bias, out = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    if g.out_c != g.in_c or g.in_c % 4:
        return None
    w = np.asarray(flt.data, dtype=np.int64).reshape(g.k_h * g.k_w, g.in_c)   # [taps][channels]
    s = conv_channel_scaling(inp.quant, flt.quant, out.quant, g.out_c)
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    off = -inp.quant.zp
    x_abs = max(abs(-128 + off), abs(127 + off))
    b = np.zeros(g.out_c, dtype=np.int64) if bias is None else np.asarray(bias.data, dtype=np.int64).reshape(-1)
    rq = dsp_pack.requant_records(b, s.mult, s.shift, dsp_pack.acc_bound(w.T, x_abs), out.quant.zp,
                                  act_min, act_max)
    params: list = _fields(g) + [("input_offset", off), ("output_offset", out.quant.zp),
                                 ("act_min", act_min), ("act_max", act_max)]
    planar = ((g.k_h, g.k_w, g.dil_h, g.dil_w) == (3, 3, 1, 1) and g.stride_h == g.stride_w in (1, 2)
              and rq.mode != dsp_pack.RQ_EXACT)
    # the plane's rows along the axis that leaves fewer outputs computed past the edge
    transposed = -(-g.out_h // 4) * 4 * g.out_w < -(-g.out_w // 4) * 4 * g.out_h
    out_u, out_v = (g.out_h, g.out_w) if transposed else (g.out_w, g.out_h)
    if planar and dsp_pack.planar_pays(out_u, out_v, g.stride_h):
        scale = np.full(g.in_c, 2, dtype=np.int64)
        shifted = dsp_pack.floor_shift(rq, b, dsp_pack.acc_bound(w.T, x_abs))
        if shifted is not None:
            rq, scale = shifted
        chan = ctx.array("dsp_chan", "int32_t", rq.records)
        strips = -(-out_u // 4)
        band = dsp_pack.planar_band(strips, out_v, PLANAR_SCRATCH_BUDGET, g.stride_h)
        filt = ctx.array("dsp_filter", "int32_t",
                         dsp_pack.depthwise_planar(w.reshape(3, 3, g.in_c), transposed, scale), kind="weights")
        scratch = Scratch("scratch", dsp_pack.planar_scratch(strips, band, g.stride_h), "int32_t")
        params += [("dsp_path", dsp_pack.DW_PLANAR), ("dsp_requant", rq.mode), ("dsp_filter", Sym(filt.name)),
                   ("dsp_chan", Sym(chan.name)),
                   ("dsp_pad", NULL), ("dsp_transposed", int(transposed)), ("dsp_band", band),
                   ("dsp_scratch", scratch)]
        return params, [filt, chan]
    filt = ctx.array("dsp_filter", "int32_t", dsp_pack.depthwise_lanes(w), kind="weights")
    chan = ctx.array("dsp_chan", "int32_t", rq.records)
    params += [("dsp_path", dsp_pack.DW_LANES), ("dsp_requant", rq.mode), ("dsp_filter", Sym(filt.name)),
               ("dsp_chan", Sym(chan.name))]
    arrays = [filt, chan]
    if (g.k_h, g.k_w, g.dil_h, g.dil_w) == (3, 3, 1, 1) and window_leaves_input(g):
        pad = ctx.array("dsp_pad", "int8_t", np.full(g.in_c, inp.quant.zp, dtype=np.int64))
        arrays.append(pad)
        params.append(("dsp_pad", Sym(pad.name)))
    else:
        params.append(("dsp_pad", NULL))
    params += [("dsp_transposed", 0), ("dsp_band", 0), ("dsp_scratch", NULL)]
    return params, arrays


def _lower_s8(ctx: LowerContext, g: ConvGeometry) -> tuple[list, list[CArray]]:
    dsp = _dsp_s8(ctx, g) if ctx.target.dsp else None
    if dsp is not None:
        return dsp[0] + list(DSP_ONLY_FIELDS), dsp[1]
    params, arrays = _quantized(ctx, g)
    return params + list(GENERIC_DSP_FIELDS) + [("dsp_pad", NULL), ("dsp_transposed", 0), ("dsp_band", 0),
                                                ("dsp_scratch", NULL)], arrays


def _lower_f32(ctx: LowerContext, g: ConvGeometry) -> tuple[list, list[CArray]]:
    lo, hi = act_bounds_float(fused_activation(ctx.op))
    weights, arrays = weight_fields(ctx, "float")
    return _fields(g) + [("act_min", F32(lo)), ("act_max", F32(hi))] + weights, arrays


_LOWER: dict[DType, Callable[[LowerContext, ConvGeometry], tuple[list, list[CArray]]]] = {
    DType.INT8: _lower_s8, DType.INT16: _quantized, DType.FLOAT32: _lower_f32}


def lower(ctx: LowerContext) -> Lowered:
    inp, flt = ctx.input(0), ctx.input(1)
    assert inp is not None and flt is not None
    g = filter_geometry(ctx.subgraph, ctx.op)
    if inp.dtype == DType.INT8 and (ctx.target.dsp or ctx.target.mve) and g.in_c == 1:
        # one input channel: output channel m is CONV_2D's (the same sums, scaling and rounding), run
        # by the CONV_2D kernel of the variant, in its own layout; filter [1][k_h][k_w][out_c] -> rows
        # [out_c][k_h * k_w]
        w = np.ascontiguousarray(np.asarray(flt.data, dtype=np.int64).reshape(g.k_h * g.k_w, g.out_c).T)
        label = f"{g.label} 1ch x{g.out_c} as CONV_2D"
        if ctx.target.mve:
            params, arrays = conv2d.mve_conv_s8(ctx, g, w)
            share = Share(ctx.op.outputs[0], ctx.op.inputs[0], overlap.conv_pixel_groups(g, conv2d.MVE_PIXELS))
            return weighted_call(ctx, "mf_conv2d_s8", params, arrays, label, shares=(share,))
        dsp = conv2d.dsp_s8(ctx, g, w)
        if dsp is not None:
            return conv2d.conv_call(ctx, g, "mf_conv2d_s8", *dsp, f"{g.label} 1ch x{g.out_c} as CONV_2D")
    params, arrays = _LOWER[inp.dtype](ctx, g)
    fn = f"mf_depthwise_conv2d_{inp.dtype.short}"
    mult = g.out_c // g.in_c
    fields = dict(params)
    if fields.get("dsp_path") == dsp_pack.DW_PLANAR:  # written band by band, channel group by group
        offset = overlap.planar_depthwise(g.in_h, g.in_w, g.in_c, g.out_h, g.out_w, g.pad_top, g.pad_left,
                                          bool(fields["dsp_transposed"]), int(fields["dsp_band"]), g.stride_h)
    else:
        offset = overlap.window_share(g, inp.dtype.size, ctx.output().dtype.size, per_channel=True,
                                      depth_multiplier=mult)
    share = Share(ctx.op.outputs[0], ctx.op.inputs[0], offset)
    return weighted_call(ctx, fn, params, arrays, f"{g.label} {g.in_c}ch" + (f" x{mult}" if mult > 1 else ""),
                         shares=(share,), dsp_paths=_dsp_paths(fields, g, arrays))


def _dsp_paths(fields: dict, g: ConvGeometry, arrays: list[CArray]) -> tuple[str, ...]:
    """The kernel's code this call runs (mf_depthwise_conv2d_s8.c and its .S file:
    MF_DSP_WITH_<path>): planar at stride 1 or 2, its requantisations (one shift, or FAST: a
    FLOOR_SHIFT row that keeps its FAST record, shift >= 1) and the width of its last strip; four-lane:
    DW_LANES, its requantisation (DW_LANES_FAST, _FLOOR or _EXACT), and DW_LANES_ANY for a window
    other than 3x3 undilated (its pixels take dw_pixel)."""
    path = fields.get("dsp_path", dsp_pack.GENERIC)
    if path == dsp_pack.DW_PLANAR:
        (chan,) = [a for a in arrays if a.name == fields["dsp_chan"].name]
        shifts = np.asarray(chan.values, dtype=np.int64).reshape(-1, 4)[:, 3]
        shift_rows = fields["dsp_requant"] == dsp_pack.RQ_FLOOR_SHIFT
        rq = (("DW_RQ_SHIFT",) if shift_rows and (shifts < 1).any() else ()) + \
             (("DW_RQ_FAST",) if not shift_rows or (shifts >= 1).any() else ())
        tail = (g.out_h if fields["dsp_transposed"] else g.out_w) % 4
        return ("DW_PLANAR" if g.stride_h == 1 else "DW_PLANAR2",) + rq + ((f"DW_TAIL{tail}",) if tail else ())
    if path != dsp_pack.DW_LANES:
        return ()
    fast3 = (g.k_h, g.k_w, g.dil_h, g.dil_w) == (3, 3, 1, 1)
    rq = _LANES_RQ.get(fields["dsp_requant"], "DW_LANES_EXACT")
    return ("DW_LANES", rq) if fast3 else ("DW_LANES", rq, "DW_LANES_ANY")


# the four-lane path's requantisation code by mode (any other mode: the out-of-line one)
_LANES_RQ = {dsp_pack.RQ_FAST: "DW_LANES_FAST", dsp_pack.RQ_FAST_FLOOR: "DW_LANES_FLOOR"}


register(OpHandler(opcode="DEPTHWISE_CONV_2D", check=check, lower=lower, macs=macs, types=tuple(_LOWER)))
