"""PRELU: ``x >= 0 ? x : alpha * x`` with alpha broadcast against the input (TFLM prelu.cc):
float32, int8 (alpha int8) and int16 (alpha int8, as TFLM requires), with TFLM's two output
rescalings (input/output and input*alpha/output, double arithmetic). TFLM's float kernel
broadcasts up to 4 dimensions, its integer kernels up to 8."""

from __future__ import annotations

from codegen.ir import DType, Operator, Quant, Subgraph
from codegen.ops import pairwise
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.registry import register
from codegen.quant.multiplier import quantize_multiplier

ALPHA = {DType.FLOAT32: DType.FLOAT32, DType.INT8: DType.INT8, DType.INT16: DType.INT8}


def scaling(inp: Quant, alpha: Quant, out: Quant) -> tuple[tuple[int, int], tuple[int, int]]:
    """TFLM CalculatePreluParams."""
    return quantize_multiplier(inp.s / out.s), quantize_multiplier(inp.s * alpha.s / out.s)


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op)
    if problems:
        return problems
    inp, alpha, out = pairwise.operands(sg, op)
    if inp.dtype not in ALPHA:
        return [f"type {inp.dtype.name.lower()} (TFLM's PRELU supports {pairwise.names(ALPHA)})"]
    if out.dtype != inp.dtype:
        problems.append(f"output type {out.dtype.name.lower()} differs from input type {inp.dtype.name.lower()}")
    if alpha.dtype != ALPHA[inp.dtype]:
        problems.append(f"alpha of type {alpha.dtype.name.lower()} with {inp.dtype.name.lower()} input "
                        f"(TFLM requires {ALPHA[inp.dtype].name.lower()})")
    problems += pairwise.check_shapes(inp, alpha, out, 4 if inp.dtype == DType.FLOAT32 else pairwise.TFLM_MAX_RANK)
    if inp.dtype != DType.FLOAT32 and not problems:
        problems += pairwise.check_quant(inp, alpha, out)
    return problems


def _lower_f32(ctx: LowerContext) -> Lowered:
    return pairwise.call(ctx, "mf_prelu_f32", "mf_prelu_f32_params", (("bc", pairwise.plan(ctx).c_value()),))


def _lower_q(ctx: LowerContext) -> Lowered:
    inp, alpha, out = ctx.input(0), ctx.input(1), ctx.output()
    assert inp and alpha and inp.quant and alpha.quant and out.quant
    (m1, s1), (m2, s2) = scaling(inp.quant, alpha.quant, out.quant)
    params = (("bc", pairwise.plan(ctx).c_value()), ("input_offset", -inp.quant.zp),
              ("alpha_offset", -alpha.quant.zp), ("output_offset", out.quant.zp), ("output_multiplier_1", m1),
              ("output_shift_1", s1), ("output_multiplier_2", m2), ("output_shift_2", s2))
    return pairwise.call(ctx, f"mf_prelu_{inp.dtype.short}", "mf_prelu_q_params", params)


LOWER = {DType.FLOAT32: _lower_f32, DType.INT8: _lower_q, DType.INT16: _lower_q}
register(OpHandler(opcode="PRELU", check=check, lower=pairwise.dispatch(LOWER), types=tuple(LOWER),
                   macs=lambda sg, op: sg.tensors[op.outputs[0]].elements))
