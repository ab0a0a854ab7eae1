"""TRANSPOSE_CONV: int8 (per-channel or per-tensor int8 weights, int32 bias), int16x8 (int8 weights,
int64 or int16 bias, 64-bit sums) and float32; strides, SAME/VALID, bias optional, fused activations.

Inputs as TFLite orders them: 0 the output shape (TFLM never reads its values: the output tensor's
shape rules, so it may be computed), 1 the weights [out_c][k_h][k_w][in_c], 2 the input, 3 the bias.
TFLM scatters every input pixel into the output; the kernels gather instead (each output element
sums the input pixels whose window covers it, in TFLM's order: input row, column, channel), which
gives the same sums without TFLM's output-sized scratch buffer. Padding is TFLM's: SAME/VALID padding
of a convolution from the output size to the input (the smaller half first). Multipliers are
TFLM's PopulateConvolutionQuantizationParams (codegen.quant.params.conv_channel_scaling).

The geometry fields are self-contained for now; they are the ones a shared convolution geometry
struct in nn.h would hold (in/out sizes, kernel, strides, padding).
"""

from __future__ import annotations

from typing import Callable

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops.base import F32, CArray, KernelCall, Literal, LowerContext, Lowered, OpHandler, Sym
from codegen.ops.common import (act_bounds, act_bounds_float, check_fused, compute_out_size, compute_padding,
                                fused_activation, require_const, require_quant)
from codegen.ops.registry import register
from codegen.ops.weighted import (WeightRule, channel_scale_problems, int16_scaling_problems, int16_zero_point_problems,
                                  optional_input, rule_problems)
from codegen.quant.params import conv_channel_scaling

RULES = {
    DType.INT8: WeightRule(DType.INT8, (DType.INT32,)),
    DType.INT16: WeightRule(DType.INT8, (DType.INT64, DType.INT16)),
    DType.FLOAT32: WeightRule(DType.FLOAT32, (DType.FLOAT32,)),
}
GEOMETRY = ("batches", "in_h", "in_w", "in_c", "out_h", "out_w", "out_c", "k_h", "k_w", "stride_h", "stride_w",
            "pad_top", "pad_left")
OUTPUT_SHAPE, FILTER, INPUT, BIAS = 0, 1, 2, 3


def _name(d: DType) -> str:
    return d.name.lower()


def geometry(sg: Subgraph, op: Operator) -> dict[str, int]:
    inp, flt, out = sg.tensors[op.inputs[INPUT]], sg.tensors[op.inputs[FILTER]], sg.tensors[op.outputs[0]]
    sh, sw = int(op.opt("strideH", 1)), int(op.opt("strideW", 1))
    padding = str(op.opt("padding", "SAME"))
    k_h, k_w = flt.shape[1], flt.shape[2]
    out_h, out_w = out.shape[1], out.shape[2]
    pad_top = compute_padding(sh, 1, out_h, k_h, compute_out_size(padding, out_h, k_h, sh))
    pad_left = compute_padding(sw, 1, out_w, k_w, compute_out_size(padding, out_w, k_w, sw))
    return {"batches": inp.shape[0], "in_h": inp.shape[1], "in_w": inp.shape[2], "in_c": inp.shape[3],
            "out_h": out_h, "out_w": out_w, "out_c": out.shape[3], "k_h": k_h, "k_w": k_w, "stride_h": sh, "stride_w": sw,
            "pad_top": pad_top, "pad_left": pad_left}


def _check_types(inp: Tensor, flt: Tensor, bias: Tensor | None, out: Tensor) -> list[str]:
    rule = RULES.get(inp.dtype)
    if rule is None:
        return [f"activation type {_name(inp.dtype)} (TFLM's TRANSPOSE_CONV takes float32, int8 and int16)"]
    return rule_problems(rule, inp, flt, bias, out, "weights")


def check(sg: Subgraph, op: Operator) -> list[str]:
    if len(op.inputs) not in (3, 4) or len(op.outputs) != 1:
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (expected 3 or 4, and 1)"]
    inp, flt, out = sg.tensors[op.inputs[INPUT]], sg.tensors[op.inputs[FILTER]], sg.tensors[op.outputs[0]]
    bias = optional_input(sg, op, BIAS)
    problems = _check_types(inp, flt, bias, out)
    if problems:
        return problems
    problems = require_const(flt, "weights") + require_const(bias, "bias") + check_fused(op)
    for t, role in ((inp, "input"), (flt, "weights"), (out, "output")):
        if len(t.shape) != 4:
            problems.append(f"{role} {t.describe()} (expected rank 4)")
    if problems:
        return problems
    if inp.shape[0] != out.shape[0]:
        problems.append(f"input batch {inp.shape[0]}, output batch {out.shape[0]} (TFLM requires them equal)")
    if flt.shape[3] != inp.shape[3] or flt.shape[0] != out.shape[3]:
        problems.append(f"weights {flt.describe()} do not map {inp.shape[3]} input channels to {out.shape[3]}")
    if bias is not None and bias.elements != out.shape[3]:
        problems.append(f"bias {bias.describe()} for {out.shape[3]} output channels")
    if min(int(op.opt("strideH", 1)), int(op.opt("strideW", 1))) < 1:
        problems.append("strides must be >= 1")
    if str(op.opt("padding", "SAME")) not in ("SAME", "VALID"):
        problems.append(f"padding {op.opt('padding')}")
    if problems or inp.dtype == DType.FLOAT32:
        return problems
    problems += require_quant(inp, flt, out) + channel_scale_problems(flt, 0, "weights")
    if inp.dtype == DType.INT16 and not problems:
        problems += int16_zero_point_problems(inp, out) + int16_scaling_problems(inp, flt, out, out.shape[3])
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    inp, flt = sg.tensors[op.inputs[INPUT]], sg.tensors[op.inputs[FILTER]]
    return inp.elements * flt.shape[0] * flt.shape[1] * flt.shape[2]


def _weights(ctx: LowerContext, ctype: str) -> tuple[list, list[CArray]]:
    flt, bias = ctx.input(FILTER), ctx.input(BIAS)
    assert flt is not None
    w = ctx.array("filter", ctype, flt.data, kind="weights")
    params: list = [("filter", Sym(w.name))]
    arrays = [w]
    if bias is not None:
        # int16 bias (int16x8 models may carry one): widened to int64 at build time, as TFLM does at run time
        b = ctx.array("bias", "int64_t" if bias.dtype == DType.INT16 else bias.dtype.c_type, bias.data, kind="weights")
        arrays.append(b)
        params.append(("bias", Sym(b.name)))
    else:
        params.append(("bias", Literal("NULL")))
    return params, arrays


def _scaling(ctx: LowerContext) -> tuple[list, list[CArray]]:
    inp, flt, out = ctx.input(INPUT), ctx.input(FILTER), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    s = conv_channel_scaling(inp.quant, flt.quant, out.quant, out.shape[3])
    mult, shift = ctx.array("mult", "int32_t", s.mult), ctx.array("shift", "int32_t", s.shift)
    return [("out_mult", Sym(mult.name)), ("out_shift", Sym(shift.name))], [mult, shift]


def _lower_s8(ctx: LowerContext) -> tuple[list, list[CArray]]:
    inp, out = ctx.input(INPUT), ctx.output()
    assert inp and inp.quant and out.quant
    lo, hi = act_bounds(fused_activation(ctx.op), out)
    weights, arrays = _weights(ctx, "int8_t")
    scaling, more = _scaling(ctx)
    return [("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp), ("act_min", lo), ("act_max", hi)] \
        + weights + scaling, arrays + more


def _lower_s16(ctx: LowerContext) -> tuple[list, list[CArray]]:
    lo, hi = act_bounds(fused_activation(ctx.op), ctx.output())
    weights, arrays = _weights(ctx, "int8_t")
    scaling, more = _scaling(ctx)
    return [("act_min", lo), ("act_max", hi)] + weights + scaling, arrays + more


def _lower_f32(ctx: LowerContext) -> tuple[list, list[CArray]]:
    lo, hi = act_bounds_float(fused_activation(ctx.op))
    weights, arrays = _weights(ctx, "float")
    return [("act_min", F32(lo)), ("act_max", F32(hi))] + weights, arrays


_LOWER: dict[DType, Callable[[LowerContext], tuple[list, list[CArray]]]] = {
    DType.INT8: _lower_s8, DType.INT16: _lower_s16, DType.FLOAT32: _lower_f32}


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[INPUT])
    g = geometry(ctx.subgraph, ctx.op)
    fields, arrays = _LOWER[inp.dtype](ctx)
    function = f"mf_transpose_conv_{inp.dtype.short}"
    label = f"{g['k_h']}x{g['k_w']} stride {g['stride_h']}x{g['stride_w']} {g['in_c']}->{g['out_c']}"
    call = KernelCall(function=function, params_type=f"{function}_params",
                      params=tuple((n, g[n]) for n in GEOMETRY) + tuple(fields),
                      inputs=(ctx.op.inputs[INPUT],), outputs=(ctx.op.outputs[0],), arrays=tuple(arrays),
                      comment=label)
    return Lowered(calls=(call,))


register(OpHandler(opcode="TRANSPOSE_CONV", check=check, lower=lower, macs=macs, types=tuple(_LOWER)))
