"""LOG_SOFTMAX over the last dimension (TFLM log_softmax.cc): float32 (expf/logf in TFLM's order)
and int8 (gemmlowp fixed point; TFLM requires the output scale 16/256 and zero point 127). The
scaling is TFLM's PreprocessLogSoftmaxScalingExp with beta 1 and 5 integer bits."""

from __future__ import annotations

from codegen.ir import DType, Operator, Quant, Subgraph
from codegen.ops import pairwise
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.registry import register
from codegen.ops.softmax import SCALED_DIFF_INTEGER_BITS, calculate_input_radius, preprocess_softmax_scaling
from codegen.quant.multiplier import quantize_multiplier_smaller_than_one_exp

TYPES = (DType.FLOAT32, DType.INT8)
OUTPUT_SCALE, OUTPUT_ZERO_POINT = 16.0 / 256, 127


def scaling(inp: Quant) -> tuple[int, int, int, int, int]:
    """(input_multiplier, input_left_shift, reverse_scaling_divisor, reverse_scaling_right_shift,
    diff_min) as TFLM's int8 Prepare computes them."""
    mult, left_shift = preprocess_softmax_scaling(1.0, inp.s, SCALED_DIFF_INTEGER_BITS)
    reverse = (1 << (31 - left_shift)) / mult
    divisor, reverse_left_shift = quantize_multiplier_smaller_than_one_exp(reverse)
    diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift)
    return mult, left_shift, divisor, -reverse_left_shift, diff_min


# Opens like fill.check_zeros_like (a `duplicates` pair): the operator checks' prologue (arity, operands,
# the type table); the rules after it are LOG_SOFTMAX's own.
def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 1)
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype not in TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's LOG_SOFTMAX supports float32 and int8 only)"]
    problems = []
    if out.dtype != inp.dtype:
        problems.append(f"output type {out.dtype.name.lower()} differs from input type {inp.dtype.name.lower()}")
    if inp.shape != out.shape:
        problems.append(f"{inp.describe()} -> {out.describe()} changes the shape")
    if not inp.shape:
        problems.append("scalar input (TFLM needs at least one dimension)")
    if inp.dtype == DType.INT8 and not problems:
        problems += pairwise.check_quant(inp, out)
        if not problems and (out.quant.s != OUTPUT_SCALE or out.quant.zp != OUTPUT_ZERO_POINT):
            problems.append("int8 output must have scale 16/256 and zero point 127 (TFLM)")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    op, inp = ctx.op, ctx.input(0)
    assert inp is not None
    depth = inp.shape[-1]
    rows = (("outer", inp.elements // depth if depth else 0), ("depth", depth))
    if inp.dtype == DType.FLOAT32:
        function, params = "mf_log_softmax_f32", rows
    else:
        assert inp.quant is not None
        mult, left_shift, divisor, right_shift, diff_min = scaling(inp.quant)
        function = "mf_log_softmax_s8"
        params = rows + (("input_multiplier", mult), ("input_left_shift", left_shift),
                         ("reverse_scaling_divisor", divisor), ("reverse_scaling_right_shift", right_shift),
                         ("diff_min", diff_min))
    c = KernelCall(function=function, params_type=f"{function}_params", params=params, inputs=(op.inputs[0],),
                   outputs=(op.outputs[0],))
    return Lowered(calls=(c,))


register(OpHandler(opcode="LOG_SOFTMAX", check=check, lower=lower, types=TYPES))
