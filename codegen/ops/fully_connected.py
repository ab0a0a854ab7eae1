"""FULLY_CONNECTED: int8 (per-tensor or per-channel weights), TFLM's double rounding."""

from __future__ import annotations

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler, Sym
from codegen.ops.common import (act_bounds, check_fused, check_types, fused_activation, require_const,
                                require_quant)
from codegen.ops.registry import register
from codegen.quant.multiplier import f32, quantize_multiplier


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_types(sg, op, {DType.INT8})
    if problems:
        return problems
    inp, flt, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    bias = sg.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    problems += require_const(flt, "weights") + require_const(bias, "bias") + check_fused(op)
    problems += require_quant(inp, flt, out)
    if flt.dtype != DType.INT8:
        problems.append(f"weights type {flt.dtype.name.lower()} with int8 activations (expected int8)")
    if op.opt("weightsFormat", 0) != 0:
        problems.append("shuffled weights format")
    if len(flt.shape) != 2:
        problems.append(f"weights of rank {len(flt.shape)} (expected 2)")
    elif inp.elements % flt.shape[1]:
        problems.append(f"input of {inp.elements} elements is not a multiple of the weights' depth {flt.shape[1]}")
    return problems


def macs(sg: Subgraph, op: Operator) -> int:
    flt, out = sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    return out.elements * flt.shape[1]


def lower(ctx: LowerContext) -> Lowered:
    op = ctx.op
    inp, flt, bias, out = ctx.input(0), ctx.input(1), ctx.input(2), ctx.output()
    assert inp and flt and inp.quant and flt.quant and out.quant
    out_depth, in_depth = flt.shape
    # TFLM GetQuantizedConvolutionMultipler: the input*filter product is taken in float32.
    if flt.quant.per_channel:
        pairs = [quantize_multiplier(f32(inp.quant.s * s) / out.quant.s) for s in flt.quant.scale]
    else:
        pairs = [quantize_multiplier(f32(inp.quant.s * flt.quant.s) / out.quant.s)]
    act_min, act_max = act_bounds(fused_activation(op), out)
    w = ctx.array("weights", "int8_t", flt.data, kind="weights")
    mult = ctx.array("mult", "int32_t", [m for m, _ in pairs])
    shift = ctx.array("shift", "int32_t", [s for _, s in pairs])
    arrays = [w, mult, shift]
    params: list = [("batches", inp.elements // in_depth), ("in_depth", in_depth), ("out_depth", out_depth),
                    ("input_offset", -inp.quant.zp), ("filter_offset", -flt.quant.zp),
                    ("output_offset", out.quant.zp), ("act_min", act_min), ("act_max", act_max),
                    ("n_mult", len(pairs)), ("filter", Sym(w.name))]
    if bias is not None:
        b = ctx.array("bias", "int32_t", bias.data, kind="weights")
        arrays.append(b)
        params.append(("bias", Sym(b.name)))
    params += [("out_mult", Sym(mult.name)), ("out_shift", Sym(shift.name))]
    call = KernelCall(function="mf_fully_connected_s8", params_type="mf_fully_connected_s8_params",
                      params=tuple(params), inputs=(op.inputs[0],), outputs=(op.outputs[0],),
                      arrays=tuple(arrays), comment=f"{in_depth}->{out_depth}")
    return Lowered(calls=(call,))


register(OpHandler(opcode="FULLY_CONNECTED", check=check, lower=lower, macs=macs, types=(DType.INT8,)))
