"""CUMSUM: float32 and int8 (TFLM's types), any axis (an int32 scalar, negative counts from the end),
exclusive and reverse.

int8 follows TFLM's ADD-style rescaling with a left shift of 20: each input is offset, shifted and
scaled by 1/2 (QuantizeMultiplierSmallerThanOneExp(0.5)), the running sum starts from TFLM's scaled
input offset (not from 0), and each output is the running sum rescaled by twice the input scale over
2^20 times the output scale. The running sum wraps in 32 bits as TFLM's int32 does in practice.
float32 adds in axis order from 0.0f.
"""

from __future__ import annotations

from typing import Callable

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity, require_const, require_quant
from codegen.ops.movement import axis_split, const_ints, norm_axis
from codegen.ops.registry import register
from codegen.quant.multiplier import quantize_multiplier_smaller_than_one_exp

LEFT_SHIFT = 20
TYPES = (DType.FLOAT32, DType.INT8)


def _axis(sg: Subgraph, op: Operator) -> int:
    return norm_axis(const_ints(sg.tensors[op.inputs[1]])[0], len(sg.tensors[op.inputs[0]].shape))


def cumsum_scaling(inp: Tensor, out: Tensor) -> tuple[tuple[int, int], tuple[int, int]]:
    """TFLM's CalculateOpData: ((input multiplier, shift), (output multiplier, shift)), in double."""
    assert inp.quant is not None and out.quant is not None
    twice = 2.0 * inp.quant.s
    return (quantize_multiplier_smaller_than_one_exp(inp.quant.s / twice),
            quantize_multiplier_smaller_than_one_exp(twice / ((1 << LEFT_SHIFT) * out.quant.s)))


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    inp, axis_t, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if inp.dtype not in TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's CUMSUM takes float32 and int8)"]
    problems = require_const(axis_t, "axis")
    if axis_t.dtype != DType.INT32 or axis_t.elements != 1:
        problems.append(f"axis {axis_t.describe()} (TFLM requires one int32 value)")
    if out.dtype != inp.dtype or out.shape != inp.shape:
        problems.append(f"{inp.describe()} -> {out.describe()} (TFLM requires the input's type and shape)")
    if not inp.shape:
        problems.append("scalar input (TFLM requires rank >= 1)")
    if problems:
        return problems
    try:
        _axis(sg, op)
    except ValueError as e:
        problems.append(str(e))
    if inp.dtype == DType.INT8:
        problems += require_quant(inp, out)
        if not problems:
            try:
                cumsum_scaling(inp, out)
            except ValueError as e:
                problems.append(f"{e} (TFLM's CUMSUM stops there)")
    return problems


def _float_params(ctx: LowerContext) -> tuple:
    return ()


def _s8_params(ctx: LowerContext) -> tuple:
    inp, out = ctx.t(ctx.op.inputs[0]), ctx.output()
    assert inp.quant is not None and out.quant is not None
    (im, ish), (om, osh) = cumsum_scaling(inp, out)
    return (("input_offset", -inp.quant.zp), ("output_offset", out.quant.zp), ("left_shift", LEFT_SHIFT),
            ("input_multiplier", im), ("input_shift", ish), ("output_multiplier", om), ("output_shift", osh))


_LOWER: dict[DType, tuple[str, Callable[[LowerContext], tuple]]] = {
    DType.FLOAT32: ("mf_cumsum_f32", _float_params),
    DType.INT8: ("mf_cumsum_s8", _s8_params),
}


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[0])
    axis = _axis(ctx.subgraph, ctx.op)
    outer, inner = axis_split(inp.shape, axis)
    exclusive, reverse = bool(ctx.op.opt("exclusive", False)), bool(ctx.op.opt("reverse", False))
    function, quant = _LOWER[inp.dtype]
    params = (("outer", outer), ("depth", inp.shape[axis]), ("inner", inner), ("exclusive", int(exclusive)),
              ("reverse", int(reverse))) + quant(ctx)
    comment = f"axis {axis}" + (" exclusive" if exclusive else "") + (" reverse" if reverse else "")
    call = KernelCall(function=function, params_type=f"{function}_params", params=params,
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), comment=comment)
    return Lowered(calls=(call,))


def macs(sg: Subgraph, op: Operator) -> int:
    return sg.tensors[op.inputs[0]].elements


register(OpHandler(opcode="CUMSUM", check=check, lower=lower, macs=macs, types=TYPES))
