"""DYNAMIC_UPDATE_SLICE: float32, int8, int16 and int32 (TFLM's types), int32 or int64 start indices
computed at run time or constant; numpy folding when everything is constant.

TFLM's semantics: an update as large as the operand replaces it whole (indices ignored); otherwise
the operand is copied (skipped when the output shares its bytes) and the update written at the start
indices clamped to [0, operand dim - update dim] per axis. The kernel reads the indices at run time
either way.
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.movement import MAX_DIMS, check_movable, padded
from codegen.ops.registry import register

TYPES = (DType.FLOAT32, DType.INT8, DType.INT16, DType.INT32)


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 3)
    if problems:
        return problems
    operand, update, idx = (sg.tensors[i] for i in op.inputs)
    out = sg.tensors[op.outputs[0]]
    if operand.dtype not in TYPES:
        return [f"type {operand.dtype.name.lower()} (TFLM's DYNAMIC_UPDATE_SLICE takes "
                + ", ".join(t.name.lower() for t in TYPES) + ")"]
    problems = check_movable(sg, op, [operand, update, out])
    if idx.dtype not in (DType.INT32, DType.INT64):
        problems.append(f"start indices of type {idx.dtype.name.lower()} (TFLM takes int32 or int64)")
    if problems:
        return problems
    rank = len(operand.shape)
    if idx.shape != (rank,):
        problems.append(f"start indices {idx.describe()} for rank {rank} (TFLM requires [rank])")
    if len(update.shape) != rank or any(u > d for u, d in zip(update.shape, operand.shape)):
        problems.append(f"update {update.describe()} does not fit the operand {operand.describe()}")
    if out.shape != operand.shape:
        problems.append(f"output {out.describe()} differs from the operand {operand.describe()}")
    if not 1 <= rank <= MAX_DIMS:
        problems.append(f"rank {rank} (1 to {MAX_DIMS})")
    for t in (update, out):
        if operand.quant and t.quant and (operand.quant.s, operand.quant.zp) != (t.quant.s, t.quant.zp):
            problems.append(f"{t.name!r} quantised differently from the operand (TFLM copies raw values)")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    operand, update, idx = (ctx.t(i) for i in ctx.op.inputs)
    rank = len(operand.shape)
    params = (("elem_size", operand.dtype.size), ("rank", rank), ("dims", padded(list(operand.shape), MAX_DIMS)),
              ("update_dims", padded(list(update.shape), MAX_DIMS)), ("index_bytes", idx.dtype.size))
    out = ctx.op.outputs[0]
    call = KernelCall(function="mf_dynamic_update_slice", params_type="mf_dynamic_update_slice_params", params=params,
                      inputs=tuple(ctx.op.inputs), outputs=(out,),
                      inplace=((out, ctx.op.inputs[0]),) if not operand.is_const else (),
                      comment=f"{update.describe()} into {operand.describe()}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    x, u, idx = (np.asarray(v) for v in values)
    if u.size == x.size:
        return [u.reshape(x.shape).copy()]
    y = x.copy()
    start = [min(max(0, int(i)), d - k) for i, d, k in zip(idx.reshape(-1), x.shape, u.shape)]
    y[tuple(slice(s, s + k) for s, k in zip(start, u.shape))] = u
    return [y]


register(OpHandler(opcode="DYNAMIC_UPDATE_SLICE", check=check, lower=lower, fold=fold, types=TYPES))
