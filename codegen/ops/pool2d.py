"""MAX_POOL_2D: int8."""

from __future__ import annotations

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import (act_bounds, check_fused, check_types, compute_padding, fused_activation,
                                nhwc, require_quant)
from codegen.ops.registry import register


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_types(sg, op, {DType.INT8}) + check_fused(op)
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    problems += require_quant(inp, out)
    if inp.quant and out.quant and (inp.quant.s != out.quant.s or inp.quant.zp != out.quant.zp):
        problems.append("input and output quantisation differ")
    return problems


def _params(ctx: LowerContext) -> tuple:
    op, inp, out = ctx.op, ctx.input(0), ctx.output()
    assert inp is not None
    in_h, in_w, c = nhwc(inp)
    out_h, out_w, _ = nhwc(out)
    k_h, k_w = op.opt("filterHeight"), op.opt("filterWidth")
    sh, sw = op.opt("strideH"), op.opt("strideW")
    act_min, act_max = act_bounds(fused_activation(op), out)
    return (("in_h", in_h), ("in_w", in_w), ("c", c), ("out_h", out_h), ("out_w", out_w),
            ("k_h", k_h), ("k_w", k_w), ("stride_h", sh), ("stride_w", sw),
            ("pad_top", compute_padding(sh, 1, in_h, k_h, out_h)),
            ("pad_left", compute_padding(sw, 1, in_w, k_w, out_w)),
            ("act_min", act_min), ("act_max", act_max))


def lower_max(ctx: LowerContext) -> Lowered:
    p = _params(ctx)
    call = KernelCall(function="mf_maxpool2d_s8", params_type="mf_pool2d_params", params=p,
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],),
                      comment=f"{dict(p)['k_h']}x{dict(p)['k_w']}")
    return Lowered(calls=(call,))


register(OpHandler(opcode="MAX_POOL_2D", check=check, lower=lower_max, types=(DType.INT8,)))
