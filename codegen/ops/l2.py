"""L2_NORMALIZATION (float32, int8) and L2_POOL_2D (float32): TFLM's types.

L2_NORMALIZATION normalises the last dimension. float32: x / max(sqrtf(sum of squares), 1e-6f).
int8: TFLM's integer path, which computes its inverse square root at run time (the sum depends on
the input) with gemmlowp's Newton iteration, and ignores the output quantisation (it writes
x / |x| in units of 1/128 around 0, as the converter quantises this output). Fused activations
other than NONE fail TFLM's Prepare, and rank above 4.

L2_POOL_2D (the converter never emits it; TFLM runs it in float32 only): sqrtf(sum of squares over
the window cells inside the image / their count), then the fused activation's clamp; the pooling
geometry of codegen/ops/pool2d.py.
"""

from __future__ import annotations

from codegen.ir import DType, Operator, Subgraph
from codegen.ops import pool2d
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import act_bounds_float, fused_activation, require_quant
from codegen.ops.registry import register
from codegen.ops.weighted import window_geometry

NORM_TYPES = (DType.FLOAT32, DType.INT8)
POOL_TYPES = (DType.FLOAT32,)


def check_norm(sg: Subgraph, op: Operator) -> list[str]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype not in NORM_TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's L2_NORMALIZATION takes float32 and int8)"]
    problems = []
    if out.dtype != inp.dtype or out.shape != inp.shape:
        problems.append(f"{inp.describe()} -> {out.describe()} (TFLM requires the input's type and shape)")
    if not 1 <= len(inp.shape) <= 4:
        problems.append(f"rank {len(inp.shape)} (TFLM takes 1 to 4)")
    if fused_activation(op) != "NONE":
        problems.append(f"fused activation {fused_activation(op)} (TFLM's L2_NORMALIZATION requires NONE)")
    if inp.dtype == DType.INT8:
        problems += require_quant(inp)
    return problems


def lower_norm(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[0])
    depth = inp.shape[-1]
    params = (("outer", inp.elements // depth), ("depth", depth),
              ("input_zero_point", inp.quant.zp if inp.dtype == DType.INT8 and inp.quant else 0))
    function = f"mf_l2_normalization_{inp.dtype.short}"
    call = KernelCall(function=function, params_type="mf_l2_normalization_params", params=params,
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), comment=f"rows of {depth}")
    return Lowered(calls=(call,))


def check_pool(sg: Subgraph, op: Operator) -> list[str]:
    inp = sg.tensors[op.inputs[0]]
    if inp.dtype not in POOL_TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's L2_POOL_2D takes only float32)"]
    return pool2d.check(sg, op)


def lower_pool(ctx: LowerContext) -> Lowered:
    g = window_geometry(ctx.subgraph, ctx.op, int(ctx.op.opt("filterHeight", 1)), int(ctx.op.opt("filterWidth", 1)))
    lo, hi = act_bounds_float(fused_activation(ctx.op))
    params = (("geo", g.c_value()), ("act_min", F32(lo)), ("act_max", F32(hi)))
    call = KernelCall(function="mf_l2pool2d_f32", params_type="mf_pool2d_f32_params", params=params,
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), comment=g.label)
    return Lowered(calls=(call,))


def _elements(sg: Subgraph, op: Operator) -> int:
    return sg.tensors[op.inputs[0]].elements


register(OpHandler(opcode="L2_NORMALIZATION", check=check_norm, lower=lower_norm, macs=_elements, types=NORM_TYPES))
register(OpHandler(opcode="L2_POOL_2D", check=check_pool, lower=lower_pool, types=POOL_TYPES))
