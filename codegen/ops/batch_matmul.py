"""BATCH_MATMUL: float32, int8 and int16x8 (TFLM's types; both operands and the output one type),
ranks 2 to 5 with broadcast batch dimensions, adj_x / adj_y, either operand constant or computed.

Transposes are strides: the kernel reads each operand in place (TFLM copies adjoint operands into
transposed scratch tensors; the sums are the same). Every output element sums over the depth in
order: float32 from 0.0f; int8 (rhs + rhs_offset) * (lhs + lhs_offset) in 32 bits, then TFLM's MBQM;
int16 in 64 bits with TFLM's 64-bit MBQM (zero points 0, as TFLM requires). The multiplier is TFLM's
GetQuantizedConvolutionMultipler: the float32 product of the operand scales, over the output scale
in double.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops.base import CValue, KernelCall, LowerContext, Lowered, OpHandler, Struct
from codegen.ops.common import check_arity, require_quant
from codegen.ops.movement import prod
from codegen.ops.registry import register
from codegen.ops.weighted import int16_shift_problems
from codegen.quant.multiplier import f32, quantize_multiplier
from codegen.quant.params import qrange

TYPES = (DType.FLOAT32, DType.INT8, DType.INT16)
BATCH_DIMS = 3  # MF_MATMUL_BATCH_DIMS: rank 5 = 3 batch dimensions + rows + depth


@dataclass(frozen=True)
class MatmulGeometry:
    """``mf_batch_matmul_geometry`` (nn.h): strides in elements, 0 for a broadcast batch dimension."""

    batch: tuple[int, ...]
    lhs_batch_stride: tuple[int, ...]
    rhs_batch_stride: tuple[int, ...]
    rows: int
    cols: int
    depth: int
    lhs_row_stride: int
    lhs_depth_stride: int
    rhs_col_stride: int
    rhs_depth_stride: int

    def fields(self) -> tuple[tuple[str, CValue], ...]:
        """The fields of ``mf_batch_matmul_geometry``."""
        return tuple((f, getattr(self, f)) for f in ("batch", "lhs_batch_stride", "rhs_batch_stride", "rows", "cols",
                                                     "depth", "lhs_row_stride", "lhs_depth_stride", "rhs_col_stride",
                                                     "rhs_depth_stride"))

    @property
    def out_shape(self) -> tuple[int, ...]:
        return (*self.batch, self.rows, self.cols)


def _extend(shape: tuple[int, ...]) -> tuple[int, ...]:
    return (1,) * (BATCH_DIMS + 2 - len(shape)) + tuple(shape)


def _batch_strides(shape: tuple[int, ...]) -> tuple[int, ...]:
    return tuple(0 if shape[d] == 1 else prod(shape[d + 1:]) for d in range(BATCH_DIMS))


def geometry(sg: Subgraph, op: Operator) -> MatmulGeometry:
    lhs, rhs = _extend(sg.tensors[op.inputs[0]].shape), _extend(sg.tensors[op.inputs[1]].shape)
    adj_x, adj_y = bool(op.opt("adjX", False)), bool(op.opt("adjY", False))
    rows, depth = (lhs[4], lhs[3]) if adj_x else (lhs[3], lhs[4])
    cols = rhs[3] if adj_y else rhs[4]
    batch = tuple(max(a, b) if 1 in (a, b) else a for a, b in zip(lhs[:BATCH_DIMS], rhs[:BATCH_DIMS]))
    return MatmulGeometry(batch=batch, lhs_batch_stride=_batch_strides(lhs), rhs_batch_stride=_batch_strides(rhs),
                          rows=rows, cols=cols, depth=depth,
                          lhs_row_stride=1 if adj_x else lhs[4], lhs_depth_stride=lhs[4] if adj_x else 1,
                          rhs_col_stride=rhs[4] if adj_y else 1, rhs_depth_stride=1 if adj_y else rhs[4])


def matmul_scaling(lhs: Tensor, rhs: Tensor, out: Tensor) -> tuple[int, int]:
    """TFLM's GetQuantizedConvolutionMultipler(lhs, rhs, output): double(float(s_lhs * s_rhs)) / s_out."""
    assert lhs.quant and rhs.quant and out.quant
    return quantize_multiplier(f32(lhs.quant.s * rhs.quant.s) / out.quant.s)


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    lhs, rhs, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if lhs.dtype not in TYPES:
        return [f"type {lhs.dtype.name.lower()} (TFLM's BATCH_MATMUL takes float32, int8 and int16)"]
    if rhs.dtype != lhs.dtype or out.dtype != lhs.dtype:
        return [f"types {lhs.dtype.name.lower()} x {rhs.dtype.name.lower()} -> {out.dtype.name.lower()} "
                "(TFLM requires one type)"]
    problems = []
    if not (2 <= len(lhs.shape) <= 5 and 2 <= len(rhs.shape) <= 5):
        return [f"ranks {len(lhs.shape)} and {len(rhs.shape)} (TFLM takes 2 to 5)"]
    el, er = _extend(lhs.shape), _extend(rhs.shape)
    if any(a != b and 1 not in (a, b) for a, b in zip(el[:BATCH_DIMS], er[:BATCH_DIMS])):
        return [f"batch dimensions of {lhs.describe()} and {rhs.describe()} do not broadcast"]
    g = geometry(sg, op)
    rhs_depth = er[4] if op.opt("adjY", False) else er[3]
    if rhs_depth != g.depth:
        return [f"depths differ: {g.depth} (lhs) and {rhs_depth} (rhs)"]
    if prod(g.out_shape) != out.elements or tuple(out.shape[-2:]) != (g.rows, g.cols):
        problems.append(f"output {out.describe()} (expected {list(g.out_shape)[-len(out.shape):]})")
    if lhs.dtype == DType.FLOAT32:
        return problems
    problems += require_quant(lhs, rhs, out)
    for t in (lhs, rhs, out):
        if t.quant is not None and t.quant.per_channel:
            problems.append(f"tensor {t.name!r} quantised per channel (TFLM's BATCH_MATMUL reads one scale)")
    if lhs.dtype == DType.INT16:
        for t in (lhs, rhs, out):
            if t.quant is not None and t.quant.zp != 0:
                problems.append(f"int16 tensor {t.name!r} with zero point {t.quant.zp} (TFLM requires 0)")
        if not problems:
            problems += int16_shift_problems([matmul_scaling(lhs, rhs, out)[1]])
    return problems


def _quant(ctx: LowerContext) -> tuple:
    lhs, rhs, out = ctx.t(ctx.op.inputs[0]), ctx.t(ctx.op.inputs[1]), ctx.output()
    assert lhs.quant and rhs.quant and out.quant
    mult, shift = matmul_scaling(lhs, rhs, out)
    lo, hi = qrange(out.dtype)
    return (("lhs_offset", -lhs.quant.zp), ("rhs_offset", -rhs.quant.zp), ("output_offset", out.quant.zp),
            ("output_multiplier", mult), ("output_shift", shift), ("act_min", lo), ("act_max", hi))


_LOWER: dict[DType, tuple[str, Callable[[LowerContext], tuple] | None]] = {
    DType.FLOAT32: ("mf_batch_matmul_geometry", None),
    DType.INT8: ("mf_batch_matmul_q_params", _quant),
    DType.INT16: ("mf_batch_matmul_q_params", _quant),
}


def lower(ctx: LowerContext) -> Lowered:
    lhs = ctx.t(ctx.op.inputs[0])
    g = geometry(ctx.subgraph, ctx.op)
    params_type, quant = _LOWER[lhs.dtype]
    if quant is None:
        params: tuple = g.fields()
    else:
        params = (("g", Struct(g.fields())),) + quant(ctx)
    flags = (("adj_x", ctx.op.opt("adjX", False)), ("adj_y", ctx.op.opt("adjY", False)))
    adj = "".join(f" {a}" for a, on in flags if on)
    call = KernelCall(function=f"mf_batch_matmul_{lhs.dtype.short}", params_type=params_type, params=params,
                      inputs=(ctx.op.inputs[0], ctx.op.inputs[1]), outputs=(ctx.op.outputs[0],),
                      comment=f"[{g.rows}x{g.depth}] x [{g.depth}x{g.cols}]{adj}")
    return Lowered(calls=(call,))


def macs(sg: Subgraph, op: Operator) -> int:
    g = geometry(sg, op)
    return prod(g.out_shape) * g.depth


register(OpHandler(opcode="BATCH_MATMUL", check=check, lower=lower, macs=macs, types=TYPES))
