"""ADD_N: the element-wise sum of N >= 2 same-shaped tensors (TFLM add_n.cc: float32 and int8;
no broadcasting). int8 inputs share one quantisation (TFLM checks it); each term is rescaled to
twice the input scale with a left shift of 20 and the sum requantised to the output's."""

from __future__ import annotations

from codegen.ir import DType, Operator, Quant, Subgraph
from codegen.ops import pairwise
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler, TensorPtrs
from codegen.ops.registry import register
from codegen.quant.multiplier import quantize_multiplier_smaller_than_one_exp
from codegen.quant.params import activation_range_quantized

TYPES = (DType.FLOAT32, DType.INT8)
LEFT_SHIFT = 20  # TFLM kAddNIntegerShift


def scaling(inp: Quant, out: Quant) -> tuple[tuple[int, int], tuple[int, int]]:
    """TFLM ADD_N Prepare: (input multiplier, shift) for 1/2, (output multiplier, shift) for
    2 * s_in / (2^20 * s_out), both in double."""
    twice = 2 * inp.s
    return (quantize_multiplier_smaller_than_one_exp(inp.s / twice),
            quantize_multiplier_smaller_than_one_exp(twice / ((1 << LEFT_SHIFT) * out.s)))


def check(sg: Subgraph, op: Operator) -> list[str]:
    if len(op.inputs) < 2 or len(op.outputs) != 1:
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (expected at least 2 and 1)"]
    ins = [sg.tensors[i] for i in op.inputs]
    out = sg.tensors[op.outputs[0]]
    first = ins[0]
    if first.dtype not in TYPES:
        return [f"type {first.dtype.name.lower()} (TFLM's ADD_N supports float32 and int8 only)"]
    problems = []
    if any(t.dtype != first.dtype for t in ins + [out]):
        problems.append("inputs and output of different types")
    if any(t.shape != first.shape for t in ins) or out.elements != first.elements:
        problems.append("inputs of different shapes (TFLM's ADD_N does not broadcast)")
    if first.dtype == DType.INT8 and not problems:
        problems += pairwise.check_quant(*ins, out)
        if not problems:
            if any(t.quant.s != first.quant.s or t.quant.zp != first.quant.zp for t in ins):
                problems.append("int8 inputs quantised differently (TFLM requires one scale and zero point)")
            else:
                try:
                    scaling(first.quant, out.quant)
                except ValueError as e:
                    problems.append(str(e))
    return problems


def lower(ctx: LowerContext) -> Lowered:
    op, out = ctx.op, ctx.output()
    ptrs = ("inputs", TensorPtrs(f"op{op.index}_inputs", tuple(op.inputs)))
    head = (("size", out.elements), ("count", len(op.inputs)), ptrs)
    if out.dtype == DType.FLOAT32:
        function, params = "mf_add_n_f32", head
    else:
        inp = ctx.input(0)
        assert inp is not None and inp.quant is not None and out.quant is not None
        (im, ish), (om, osh) = scaling(inp.quant, out.quant)
        lo, hi = activation_range_quantized("NONE", out.quant, out.dtype)
        function = "mf_add_n_s8"
        params = head + (("input_offset", -inp.quant.zp), ("left_shift", LEFT_SHIFT), ("input_multiplier", im),
                         ("input_shift", ish), ("output_offset", out.quant.zp), ("output_multiplier", om),
                         ("output_shift", osh), ("act_min", lo), ("act_max", hi))
    c = KernelCall(function=function, params_type=f"{function}_params", params=params, inputs=(),
                   outputs=(op.outputs[0],), comment=f"{len(op.inputs)} inputs")
    return Lowered(calls=(c,))


register(OpHandler(opcode="ADD_N", check=check, lower=lower, types=TYPES,
                   macs=lambda sg, op: sg.tensors[op.outputs[0]].elements * (len(op.inputs) - 1)))
