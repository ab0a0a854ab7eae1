"""CONV_2D: int8 (per-channel or per-tensor weights)."""

from __future__ import annotations

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler, Sym
from codegen.ops.common import (act_bounds, check_fused, check_types, compute_out_size,
                                compute_padding, fused_activation, nhwc, require_const, require_quant)
from codegen.ops.registry import register
from codegen.quant.params import conv_channel_scaling


def _geometry(sg: Subgraph, op: Operator) -> dict[str, int]:
    inp, flt, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    in_h, in_w, in_c = nhwc(inp)
    out_h, out_w, out_c = nhwc(out)
    k_h, k_w, filter_c = flt.shape[1], flt.shape[2], flt.shape[3]
    sh, sw = op.opt("strideH", 1), op.opt("strideW", 1)
    dh, dw = op.opt("dilationHFactor", 1), op.opt("dilationWFactor", 1)
    padding = op.opt("padding", "SAME")
    return dict(in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c, k_h=k_h, k_w=k_w,
                filter_c=filter_c, stride_h=sh, stride_w=sw, dil_h=dh, dil_w=dw,
                pad_top=compute_padding(sh, dh, in_h, k_h, out_h),
                pad_left=compute_padding(sw, dw, in_w, k_w, out_w),
                exp_h=compute_out_size(padding, in_h, k_h, sh, dh),
                exp_w=compute_out_size(padding, in_w, k_w, sw, dw))


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_types(sg, op, {DType.INT8})
    if problems:
        return problems
    inp, flt = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]]
    out = sg.tensors[op.outputs[0]]
    bias = sg.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    problems += require_const(flt, "filter") + require_const(bias, "bias") + check_fused(op)
    problems += require_quant(inp, flt, out)
    if flt.dtype != DType.INT8:
        problems.append(f"filter type {flt.dtype.name.lower()} with int8 activations (expected int8)")
    if bias is not None and bias.dtype != DType.INT32:
        problems.append(f"bias type {bias.dtype.name.lower()} (expected int32)")
    if problems:
        return problems
    g = _geometry(sg, op)
    if (g["exp_h"], g["exp_w"]) != (g["out_h"], g["out_w"]):
        problems.append(f"output {g['out_h']}x{g['out_w']} does not match the padding/stride "
                        f"({g['exp_h']}x{g['exp_w']})")
    if g["in_c"] % g["filter_c"] or g["out_c"] % (g["in_c"] // g["filter_c"]):
        problems.append(f"input channels {g['in_c']} and filter channels {g['filter_c']} do not form groups")
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    flt, out = sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    return out.elements * flt.shape[1] * flt.shape[2] * flt.shape[3]


def lower(ctx: LowerContext) -> Lowered:
    sg, op = ctx.subgraph, ctx.op
    inp, flt, bias, out = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    g = _geometry(sg, op)
    scaling = conv_channel_scaling(inp.quant, flt.quant, out.quant, g["out_c"])
    act_min, act_max = act_bounds(fused_activation(op), out)
    w = ctx.array("filter", "int8_t", flt.data, kind="weights")
    arrays = [w,
              ctx.array("mult", "int32_t", scaling.mult),
              ctx.array("shift", "int32_t", scaling.shift)]
    params: list = [(k, g[k]) for k in ("in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w",
                                        "filter_c", "stride_h", "stride_w", "dil_h", "dil_w",
                                        "pad_top", "pad_left")]
    params += [("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp),
               ("act_min", act_min), ("act_max", act_max), ("filter", Sym(w.name))]
    if bias is not None:
        b = ctx.array("bias", "int32_t", bias.data, kind="weights")
        arrays.append(b)
        params.append(("bias", Sym(b.name)))
    params += [("out_mult", Sym(arrays[1].name)), ("out_shift", Sym(arrays[2].name))]
    call = KernelCall(function="mf_conv2d_s8", params_type="mf_conv2d_s8_params", params=tuple(params),
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],), arrays=tuple(arrays),
                      comment=f"{g['k_h']}x{g['k_w']} stride {g['stride_h']} {g['in_c']}->{g['out_c']}")
    return Lowered(calls=(call,))


register(OpHandler(opcode="CONV_2D", check=check, lower=lower, macs=macs, types=(DType.INT8,)))
