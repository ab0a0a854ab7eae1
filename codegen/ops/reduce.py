"""REDUCE_MAX, REDUCE_MIN, SUM and REDUCE_ALL over any subset of axes (negative, repeated), keep_dims
or not, with the reduction geometry of MEAN (codegen/ops/mean.py).

The types are TFLM's: REDUCE_MAX/REDUCE_MIN float32 and int8 (int8 needs the output quantised like
the input: TFLM compares raw values and fails the invoke otherwise); SUM float32, int8 and int16
(QuantizedMeanOrSum without the division: the MEAN kernels with the undivided multiplier); REDUCE_ALL
bool. float32 REDUCE_MAX starts from -FLT_MAX and takes an element only when it is greater (TFLM's
ReduceGeneric), so NaNs are skipped and a row of -inf gives -FLT_MAX; REDUCE_MIN mirrors it. float32
SUM adds in row-major order of the reduced axes from 0.0f.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import FLT_MAX, require_quant
from codegen.ops.mean import ReduceWalk, check_reduction, reduce_walk, reduction_axes
from codegen.ops.movement import fits_int32, prod
from codegen.ops.registry import register
from codegen.quant.multiplier import multiply_by_quantized_multiplier, quantize_multiplier
from codegen.quant.params import qrange


def _axes_order(x: np.ndarray, axes: list[int]) -> np.ndarray:
    """x as [outputs, n]: kept axes in order, then the reduced axes in row-major order."""
    keep = [k for k in range(x.ndim) if k not in axes]
    moved = np.transpose(x, keep + sorted(axes))
    return moved.reshape(prod(x.shape[k] for k in keep), -1)


# --- checks ------------------------------------------------------------------------------------

def _check_minmax(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_reduction(sg, op, tuple(MINMAX_TYPES), " (TFLM's kernel takes only these)")
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if not problems and inp.dtype == DType.INT8:
        problems += require_quant(inp, out)
        if inp.quant and out.quant and (inp.quant.s, inp.quant.zp) != (out.quant.s, out.quant.zp):
            problems.append("int8 output quantised differently from the input (TFLM compares raw values "
                            "and fails the invoke)")
    return problems


def _check_sum(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_reduction(sg, op, (DType.FLOAT32, DType.INT8, DType.INT16), " (TFLM's kernel takes only these)")
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if not problems and inp.dtype != DType.FLOAT32:
        problems += require_quant(inp, out)
        n = prod(inp.shape[a] for a in reduction_axes(sg, op))
        if inp.quant is not None and not fits_int32(inp.quant.zp * n):
            problems.append("too many elements per sum for 32-bit sums")
    return problems


def _check_all(sg: Subgraph, op: Operator) -> list[str]:
    return check_reduction(sg, op, (DType.BOOL,), " (TFLM's REDUCE_ALL takes only bool)")


# --- lowering ----------------------------------------------------------------------------------

def _call(ctx: LowerContext, function: str, params_type: str, params: tuple, walk: ReduceWalk,
          axes: list[int]) -> Lowered:
    op = ctx.op
    return Lowered(calls=(KernelCall(function=function, params_type=params_type, params=params,
                                     inputs=(op.inputs[0],), outputs=(op.outputs[0],),
                                     comment=f"axes {axes}, {walk.n} per output"),))


def _lower_walk_only(kernels: dict[DType, str]) -> Callable[[LowerContext], Lowered]:
    def lower(ctx: LowerContext) -> Lowered:
        inp = ctx.t(ctx.op.inputs[0])
        axes = reduction_axes(ctx.subgraph, ctx.op)
        walk = reduce_walk(inp, axes)
        return _call(ctx, kernels[inp.dtype], "mf_reduce_walk", walk.fields(), walk, axes)
    return lower


def sum_scaling(inp: Tensor, out: Tensor) -> tuple[int, int]:
    """TFLM's QuantizeMultiplier(double(in_scale) / double(out_scale)) for SUM (no division by n)."""
    assert inp.quant is not None and out.quant is not None
    return quantize_multiplier(inp.quant.s / out.quant.s)


def _lower_sum(ctx: LowerContext) -> Lowered:
    inp, out = ctx.t(ctx.op.inputs[0]), ctx.output()
    axes = reduction_axes(ctx.subgraph, ctx.op)
    walk = reduce_walk(inp, axes)
    if inp.dtype == DType.FLOAT32:
        return _call(ctx, "mf_sum_f32", "mf_reduce_walk", walk.fields(), walk, axes)
    assert inp.quant is not None and out.quant is not None
    mult, shift = sum_scaling(inp, out)
    params = (("walk", walk.c_value()), ("n", walk.n), ("mult", mult), ("shift", shift),
              ("zp_times_n", inp.quant.zp * walk.n), ("output_offset", out.quant.zp))
    return _call(ctx, f"mf_mean_{inp.dtype.short}", "mf_mean_params", params, walk, axes)


# --- folding (exactly the kernels' arithmetic) --------------------------------------------------

def _fold_max(rows: np.ndarray, dtype: DType, sg: Subgraph, op: Operator) -> np.ndarray:
    if dtype == DType.FLOAT32:
        v = np.where(np.isnan(rows), -np.inf, rows).max(axis=1)
        return np.maximum(v, np.float32(-FLT_MAX)).astype(np.float32)
    return rows.max(axis=1)


def _fold_min(rows: np.ndarray, dtype: DType, sg: Subgraph, op: Operator) -> np.ndarray:
    if dtype == DType.FLOAT32:
        v = np.where(np.isnan(rows), np.inf, rows).min(axis=1)
        return np.minimum(v, np.float32(FLT_MAX)).astype(np.float32)
    return rows.min(axis=1)


def _fold_all(rows: np.ndarray, dtype: DType, sg: Subgraph, op: Operator) -> np.ndarray:
    return rows.astype(bool).all(axis=1)


def _fold_sum(rows: np.ndarray, dtype: DType, sg: Subgraph, op: Operator) -> np.ndarray:
    if dtype == DType.FLOAT32:
        acc = np.zeros(rows.shape[0], dtype=np.float32)
        for j in range(rows.shape[1]):
            acc = (acc + rows[:, j]).astype(np.float32)
        return acc
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    assert inp.quant is not None and out.quant is not None
    mult, shift = sum_scaling(inp, out)
    lo, hi = qrange(dtype)
    n = rows.shape[1]
    vals = []
    for s in rows.astype(np.int64).sum(axis=1):
        shifted = ((int(s) - inp.quant.zp * n + (1 << 31)) % (1 << 32)) - (1 << 31)
        vals.append(min(hi, max(lo, multiply_by_quantized_multiplier(shifted, mult, shift) + out.quant.zp)))
    return np.array(vals, dtype=dtype.np)


_FoldRows = Callable[[np.ndarray, DType, Subgraph, Operator], np.ndarray]


def _folder(rows_fn: _FoldRows) -> Callable[[Subgraph, Operator, list[np.ndarray]], list[np.ndarray]]:
    def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
        inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
        rows = _axes_order(np.asarray(values[0]), reduction_axes(sg, op))
        return [rows_fn(rows, inp.dtype, sg, op).reshape(out.shape)]
    return fold


def macs(sg: Subgraph, op: Operator) -> int:
    return sg.tensors[op.inputs[0]].elements


MINMAX_TYPES = {DType.FLOAT32: "f32", DType.INT8: "s8"}

register(OpHandler(opcode="REDUCE_MAX", check=_check_minmax, macs=macs, fold=_folder(_fold_max),
                   lower=_lower_walk_only({t: f"mf_reduce_max_{s}" for t, s in MINMAX_TYPES.items()}),
                   types=tuple(MINMAX_TYPES)))
register(OpHandler(opcode="REDUCE_MIN", check=_check_minmax, macs=macs, fold=_folder(_fold_min),
                   lower=_lower_walk_only({t: f"mf_reduce_min_{s}" for t, s in MINMAX_TYPES.items()}),
                   types=tuple(MINMAX_TYPES)))
register(OpHandler(opcode="SUM", check=_check_sum, lower=_lower_sum, macs=macs, fold=_folder(_fold_sum),
                   types=(DType.FLOAT32, DType.INT8, DType.INT16)))
register(OpHandler(opcode="REDUCE_ALL", check=_check_all, macs=macs, fold=_folder(_fold_all),
                   lower=_lower_walk_only({DType.BOOL: "mf_reduce_all"}), types=(DType.BOOL,)))
