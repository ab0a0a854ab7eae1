"""GATHER_ND: float32 and int8 params (TFLM's types), int32 indices (constant or computed), index
depth up to 5; numpy folding.

As TFLM, a slice's position is the flat sum of index x stride, and only that flat position is
bounds-checked (a component past its own axis is accepted when the slice stays inside the tensor).
TFLM fails the invoke on a slice outside the tensor; the kernel writes zeros there instead.
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.movement import check_movable, padded, prod, row_major_strides
from codegen.ops.registry import register

TYPES = (DType.FLOAT32, DType.INT8)
MAX_ND = 5  # MF_GATHER_ND_MAX


def _geometry(sg: Subgraph, op: Operator) -> tuple[int, int, list[int], int, int]:
    """(slices, index depth, element strides of the indexed axes, slice size, params size)."""
    params, idx = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]]
    nd = idx.shape[-1]
    strides = row_major_strides(params.shape)[:nd]
    return prod(idx.shape[:-1]), nd, strides, prod(params.shape[nd:]), params.elements


def check(sg: Subgraph, op: Operator) -> list[str]:
    params, idx, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if params.dtype not in TYPES:
        return [f"params of type {params.dtype.name.lower()} (TFLM's GATHER_ND takes float32 and int8)"]
    problems = check_movable(sg, op, [params, out])
    if idx.dtype != DType.INT32:
        problems.append(f"indices of type {idx.dtype.name.lower()} (TFLM's GATHER_ND takes int32)")
    if problems:
        return problems
    if not params.shape or not idx.shape:
        return ["params and indices must be at least vectors (TFLM)"]
    nd = idx.shape[-1]
    if not 1 <= nd <= min(len(params.shape), MAX_ND):
        return [f"index depth {nd} (TFLM takes 1 to min(params rank, {MAX_ND}))"]
    if out.shape != idx.shape[:-1] + params.shape[nd:]:
        problems.append(f"output {out.describe()} does not match the gather "
                        f"({list(idx.shape[:-1] + params.shape[nd:])})")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    params_t = ctx.t(ctx.op.inputs[0])
    slices, nd, strides, size, flat = _geometry(ctx.subgraph, ctx.op)
    es = params_t.dtype.size
    p = (("slices", slices), ("depth", nd), ("stride", padded(strides, MAX_ND)), ("slice_size", size),
         ("flat_size", flat), ("elem_size", es))
    call = KernelCall(function="mf_gather_nd", params_type="mf_gather_nd_params", params=p,
                      inputs=(ctx.op.inputs[0], ctx.op.inputs[1]), outputs=(ctx.op.outputs[0],),
                      comment=f"{slices} slices of {size}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    x, idx = np.asarray(values[0]).reshape(-1), np.asarray(values[1])
    slices, nd, strides, size, flat = _geometry(sg, op)
    pos = idx.reshape(slices, nd).astype(np.int64) @ np.asarray(strides, dtype=np.int64)
    if slices and (pos.min() < 0 or pos.max() + size > flat):
        raise ValueError("gather_nd index out of bounds")
    out = np.stack([x[p:p + size] for p in pos]) if slices else np.zeros((0, size), x.dtype)
    return [out.reshape(sg.tensors[op.outputs[0]].shape)]


register(OpHandler(opcode="GATHER_ND", check=check, lower=lower, fold=fold, types=TYPES))
