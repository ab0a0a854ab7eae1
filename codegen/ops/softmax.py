"""SOFTMAX: int8 in, int8 out (TFLM's fixed-point algorithm)."""

from __future__ import annotations

import math

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_types, require_quant
from codegen.ops.registry import register
from codegen.quant.multiplier import quantize_multiplier_greater_than_one

SCALED_DIFF_INTEGER_BITS = 5


def preprocess_softmax_scaling(beta: float, input_scale: float, integer_bits: int) -> tuple[int, int]:
    """TFLM PreprocessSoftmaxScaling (double-rounding build)."""
    real = min(beta * input_scale * (1 << (31 - integer_bits)), (1 << 31) - 1.0)
    return quantize_multiplier_greater_than_one(real)


def calculate_input_radius(integer_bits: int, left_shift: int, total_signed_bits: int = 31) -> int:
    max_rescaled = 1.0 * ((1 << integer_bits) - 1) * (1 << (total_signed_bits - integer_bits)) / (1 << left_shift)
    return int(math.floor(max_rescaled))


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_types(sg, op, {DType.INT8})
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    problems += require_quant(inp, out)
    if out.dtype != DType.INT8:
        problems.append(f"output type {out.dtype.name.lower()} (supported: int8)")
    elif out.quant and (out.quant.zp != -128 or out.quant.s != 1.0 / 256):
        problems.append("int8 output must have scale 1/256 and zero point -128")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.input(0)
    assert inp is not None and inp.quant is not None
    beta = float(ctx.op.opt("beta", 1.0))
    mult, left_shift = preprocess_softmax_scaling(beta, inp.quant.s, SCALED_DIFF_INTEGER_BITS)
    diff_min = -calculate_input_radius(SCALED_DIFF_INTEGER_BITS, left_shift)
    depth = inp.shape[-1]
    params = (("outer", inp.elements // depth), ("depth", depth), ("input_multiplier", mult),
              ("input_left_shift", left_shift), ("diff_min", diff_min))
    return Lowered(calls=(KernelCall(function="mf_softmax_s8", params_type="mf_softmax_s8_params",
                                     params=params, inputs=(ctx.op.inputs[0],),
                                     outputs=(ctx.op.outputs[0],)),))


register(OpHandler(opcode="SOFTMAX", check=check, lower=lower, types=(DType.INT8,)))
