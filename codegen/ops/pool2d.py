"""MAX_POOL_2D and AVERAGE_POOL_2D: int8, int16 and float32; SAME/VALID, strides, fused activations.

Windows are clipped to the image (padding cells are neither values nor counted). Quantised pools
do not rescale: TFLM needs the input's scale and zero point on the output, and rounds the integer
average half away from zero.
"""

from __future__ import annotations

from typing import Callable

from codegen.ir import DType, Operator, Subgraph
from codegen.ops import overlap
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler, Share
from codegen.ops.common import (act_bounds, act_bounds_float, check_fused, check_types, fused_activation,
                                require_quant)
from codegen.ops.registry import register
from codegen.ops.weighted import ConvGeometry, window_geometry

TYPES = (DType.INT8, DType.INT16, DType.FLOAT32)


def _geometry(sg: Subgraph, op: Operator) -> ConvGeometry:
    return window_geometry(sg, op, int(op.opt("filterHeight", 1)), int(op.opt("filterWidth", 1)))


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_types(sg, op, set(TYPES)) + check_fused(op)
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if len(inp.shape) != 4 or len(out.shape) != 4:
        return [f"{inp.describe()} -> {out.describe()} (expected rank-4 NHWC)"]
    if inp.shape[0] != 1:
        problems.append(f"batch {inp.shape[0]} (only batch 1 is supported)")
    if out.dtype != inp.dtype:
        problems.append(f"output type {out.dtype.name.lower()} differs from the input type")
    if inp.shape[3] != out.shape[3]:
        problems.append(f"{inp.shape[3]} input channels but {out.shape[3]} output channels")
    g = _geometry(sg, op)
    if min(g.k_h, g.k_w) < 1:
        problems.append(f"filter {g.k_h}x{g.k_w}")
    elif g.dil_h != 1 or g.dil_w != 1:
        problems.append("dilated pooling")
    else:
        problems += g.check()
    if inp.dtype != DType.FLOAT32:
        problems += require_quant(inp, out)
        if inp.quant and out.quant and (inp.quant.s != out.quant.s or inp.quant.zp != out.quant.zp):
            problems.append("input and output quantisation differ")
    return problems


def _int_params(ctx: LowerContext) -> tuple:
    lo, hi = act_bounds(fused_activation(ctx.op), ctx.output())
    return ("act_min", lo), ("act_max", hi)


def _float_params(ctx: LowerContext) -> tuple:
    lo, hi = act_bounds_float(fused_activation(ctx.op))
    return ("act_min", F32(lo)), ("act_max", F32(hi))


# activation type -> (params struct, activation bound fields)
_PARAMS: dict[DType, tuple[str, Callable[[LowerContext], tuple]]] = {
    DType.INT8: ("mf_pool2d_params", _int_params),
    DType.INT16: ("mf_pool2d_params", _int_params),
    DType.FLOAT32: ("mf_pool2d_f32_params", _float_params),
}


def _lowerer(kind: str) -> Callable[[LowerContext], Lowered]:
    def lower(ctx: LowerContext) -> Lowered:
        inp = ctx.input(0)
        assert inp is not None
        g = _geometry(ctx.subgraph, ctx.op)
        params_type, act = _PARAMS[inp.dtype]
        params = (("geo", g.c_value()),) + act(ctx)
        share = Share(ctx.op.outputs[0], ctx.op.inputs[0],
                      overlap.window_share(g, inp.dtype.size, ctx.output().dtype.size, per_channel=True))
        call = KernelCall(function=f"mf_{kind}_{inp.dtype.short}", params_type=params_type, params=params,
                          inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), comment=g.label,
                          shares=(share,))
        return Lowered(calls=(call,))
    return lower


register(OpHandler(opcode="MAX_POOL_2D", check=check, lower=_lowerer("maxpool2d"), types=TYPES))
register(OpHandler(opcode="AVERAGE_POOL_2D", check=check, lower=_lowerer("avgpool2d"), types=TYPES))
