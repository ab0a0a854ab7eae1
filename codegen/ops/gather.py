"""GATHER: every element type (generic ``mf_gather``; TFLM runs int8 and float32), int32 positions
(constant or computed), any axis, batch_dims; numpy folding."""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.movement import check_movable, norm_axis, prod
from codegen.ops.registry import register


def _geometry(sg: Subgraph, op: Operator) -> tuple[int, int, int, int, int, int]:
    """(axis, batch_dims, batches, outer, coords, inner)."""
    inp, idx = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]]
    axis = norm_axis(int(op.opt("axis", 0)), len(inp.shape))
    bd = int(op.opt("batchDims", 0))
    bd = bd + len(idx.shape) if bd < 0 else bd
    return (axis, bd, prod(inp.shape[:bd]), prod(inp.shape[bd:axis]), prod(idx.shape[bd:]),
            prod(inp.shape[axis + 1:]))


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, idx, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = check_movable(sg, op, [inp, out])
    if idx.dtype != DType.INT32:
        problems.append(f"positions of type {idx.dtype.name.lower()} (TFLM supports int32)")
    if problems:
        return problems
    try:
        axis, bd, *_ = _geometry(sg, op)
    except ValueError as e:
        return [str(e)]
    if not 0 <= bd <= axis or bd > len(idx.shape) or inp.shape[:bd] != idx.shape[:bd]:
        problems.append(f"batch_dims {bd} does not fit axis {axis} and positions {idx.describe()}")
    elif out.shape != inp.shape[:axis] + idx.shape[bd:] + inp.shape[axis + 1:]:
        problems.append(f"output {out.describe()} does not match the gather")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    sg, op = ctx.subgraph, ctx.op
    inp = ctx.t(op.inputs[0])
    axis, _, batches, outer, coords, inner = _geometry(sg, op)
    params = (("batches", batches), ("outer", outer), ("coords", coords), ("axis_size", inp.shape[axis]),
              ("row_bytes", inner * inp.dtype.size))
    call = KernelCall(function="mf_gather", params_type="mf_gather_params", params=params,
                      inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],), comment=f"axis {axis}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    x, idx = np.asarray(values[0]), np.asarray(values[1])
    axis, _, batches, outer, coords, inner = _geometry(sg, op)
    xs = x.reshape(batches, outer, x.shape[axis], inner)
    ids = idx.reshape(batches, coords)
    if ids.size and (ids.min() < 0 or ids.max() >= x.shape[axis]):
        raise ValueError(f"gather index out of range [0, {x.shape[axis]})")
    out = xs[np.arange(batches)[:, None, None], np.arange(outer)[None, :, None], ids[:, None, :], :]
    return [out.reshape(sg.tensors[op.outputs[0]].shape)]


register(OpHandler(opcode="GATHER", check=check, lower=lower, fold=fold, types=(DType.INT8, DType.FLOAT32)))
