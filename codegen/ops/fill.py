"""FILL, ZEROS_LIKE, BROADCAST_TO and BROADCAST_ARGS: tensors made from a shape (TFLM fill.cc,
zeros_like.cc, broadcast_to.cc, broadcast_args.cc). Each folds to a constant when its inputs are
constant; otherwise:

* FILL (constant dims, TFLM's requirement; value float32, int32 or int8): ``mf_fill`` copies the
  scalar to every element.
* ZEROS_LIKE (int64, int32, int8, float32): ``mf_zeros`` clears the output (its input is never read).
* BROADCAST_TO (constant int32/int64 shape, up to 5-D, any element type): a strided copy whose
  broadcast dimensions have stride 0 (``mf_strided_copy``).
* BROADCAST_ARGS (int32 or int64 shape vectors): ``mf_broadcast_args``.
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops import broadcast
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity, require_const
from codegen.ops.movement import MOVABLE, const_ints, row_major_strides, strided_copy_call
from codegen.ops.registry import register

FILL_TYPES = (DType.FLOAT32, DType.INT32, DType.INT8)
ZEROS_TYPES = (DType.INT64, DType.INT32, DType.INT8, DType.FLOAT32)
DIMS_TYPES = (DType.INT8, DType.INT16, DType.INT32, DType.INT64)  # FILL's dims
SHAPE_TYPES = (DType.INT32, DType.INT64)  # BROADCAST_TO's shape, BROADCAST_ARGS's shapes
BROADCAST_TO_MAX_DIMS = 5  # TFLM kMaxDims


def _check_shape_operand(t: Tensor, role: str, types: tuple[DType, ...], out: Tensor) -> list[str]:
    """FILL's dims and BROADCAST_TO's shape: a constant of one of `types` whose values are the output's
    shape (TFLM reads it in Prepare to size the output)."""
    problems = require_const(t, role)
    if t.dtype not in types:
        names = ", ".join(d.name.lower() for d in types)
        problems.append(f"{role} of type {t.dtype.name.lower()} (TFLM requires {names})")
    elif t.is_const and tuple(const_ints(t)) != tuple(out.shape):
        problems.append(f"{role} {const_ints(t)}, but the output's shape is {list(out.shape)}")
    return problems


# --- FILL ----------------------------------------------------------------------------------------

def check_fill(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    dims, value, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = _check_shape_operand(dims, "dims", DIMS_TYPES, out)
    if value.dtype not in FILL_TYPES:
        problems.append(f"value of type {value.dtype.name.lower()} (TFLM's FILL supports float32, int32 and int8)")
    if value.shape:
        problems.append(f"value of shape {list(value.shape)} (TFLM requires a scalar)")
    if out.dtype != value.dtype:
        problems.append(f"output type {out.dtype.name.lower()} differs from the value's {value.dtype.name.lower()}")
    return problems


def lower_fill(ctx: LowerContext) -> Lowered:
    op, out = ctx.op, ctx.output()
    c = KernelCall(function="mf_fill", params_type="mf_fill_params",
                   params=(("size", out.elements), ("elem_size", out.dtype.size)), inputs=(op.inputs[1],),
                   outputs=(op.outputs[0],))
    return Lowered(calls=(c,))


def fold_fill(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    out = sg.tensors[op.outputs[0]]
    return [np.full(out.shape, np.asarray(values[1]).reshape(()), dtype=out.dtype.np)]


# --- ZEROS_LIKE ----------------------------------------------------------------------------------

def check_zeros_like(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 1)
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype not in ZEROS_TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's ZEROS_LIKE supports int64, int32, int8 and float32)"]
    if out.dtype != inp.dtype or out.elements != inp.elements:
        problems.append(f"{inp.describe()} -> {out.describe()}: the output must match the input")
    return problems


def lower_zeros_like(ctx: LowerContext) -> Lowered:
    out = ctx.output()
    c = KernelCall(function="mf_zeros", params_type="mf_zeros_params", params=(("bytes", out.nbytes),),
                   inputs=(), outputs=(ctx.op.outputs[0],))
    return Lowered(calls=(c,))


def fold_zeros_like(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    out = sg.tensors[op.outputs[0]]
    return [np.zeros(out.shape, dtype=out.dtype.np)]


# --- BROADCAST_TO --------------------------------------------------------------------------------

# Opens like check_fill (a `duplicates` pair): the checks' prologue and the shared shape-operand rule;
# the rules after it are BROADCAST_TO's own.
def check_broadcast_to(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    inp, shape, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = _check_shape_operand(shape, "shape", SHAPE_TYPES, out)
    if inp.dtype not in MOVABLE:
        problems.append(f"type {inp.dtype.name.lower()}")
    if out.dtype != inp.dtype:
        problems.append(f"output type {out.dtype.name.lower()} differs from input type {inp.dtype.name.lower()}")
    if max(len(inp.shape), len(out.shape)) > BROADCAST_TO_MAX_DIMS:
        problems.append(f"rank above {BROADCAST_TO_MAX_DIMS} (TFLM's BROADCAST_TO supports 1-5D)")
    if broadcast.broadcast_shape(inp.shape, out.shape) != tuple(out.shape) or len(inp.shape) > len(out.shape):
        problems.append(f"{list(inp.shape)} does not broadcast to {list(out.shape)}")
    return problems


def lower_broadcast_to(ctx: LowerContext) -> Lowered:
    op, inp, out = ctx.op, ctx.input(0), ctx.output()
    assert inp is not None
    rank = len(out.shape)
    padded = (1,) * (rank - len(inp.shape)) + tuple(inp.shape)
    strides = row_major_strides(padded)
    stride = [s if n == m else 0 for s, n, m in zip(strides, padded, out.shape)]
    call = strided_copy_call(op.inputs[0], op.outputs[0], inp.dtype.size, 0, list(out.shape), stride,
                             comment=f"{list(inp.shape)} -> {list(out.shape)}")
    return Lowered(calls=(call,))


def fold_broadcast_to(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    out = sg.tensors[op.outputs[0]]
    return [np.broadcast_to(np.asarray(values[0]), out.shape).copy()]


# --- BROADCAST_ARGS ------------------------------------------------------------------------------

def check_broadcast_args(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    s1, s2, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if s1.dtype not in SHAPE_TYPES:
        return [f"type {s1.dtype.name.lower()} (TFLM's BROADCAST_ARGS takes int32 or int64)"]
    if s2.dtype != s1.dtype or out.dtype != s1.dtype:
        problems.append("shape inputs and output of different types")
    if len(s1.shape) != 1 or len(s2.shape) != 1 or len(out.shape) != 1:
        problems.append("shape inputs and output must be vectors")
    elif out.shape[0] != max(s1.shape[0], s2.shape[0]):
        problems.append(f"output of {out.shape[0]} elements for shapes of {s1.shape[0]} and {s2.shape[0]}")
    return problems


def lower_broadcast_args(ctx: LowerContext) -> Lowered:
    op = ctx.op
    s1, s2, out = ctx.input(0), ctx.input(1), ctx.output()
    assert s1 is not None and s2 is not None
    c = KernelCall(function="mf_broadcast_args", params_type="mf_broadcast_args_params",
                   params=(("elem_size", out.dtype.size), ("n1", s1.elements), ("n2", s2.elements),
                           ("n_out", out.elements)), inputs=(op.inputs[0], op.inputs[1]), outputs=(op.outputs[0],))
    return Lowered(calls=(c,))


def fold_broadcast_args(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    a, b = (np.asarray(v).reshape(-1) for v in values[:2])
    shape = broadcast.broadcast_shape(tuple(int(x) for x in a), tuple(int(x) for x in b))
    if shape is None:
        raise ValueError(f"shapes {a.tolist()} and {b.tolist()} do not broadcast")
    return [np.asarray(shape, dtype=sg.tensors[op.outputs[0]].dtype.np)]


register(OpHandler(opcode="FILL", check=check_fill, lower=lower_fill, fold=fold_fill, types=FILL_TYPES))
register(OpHandler(opcode="ZEROS_LIKE", check=check_zeros_like, lower=lower_zeros_like, fold=fold_zeros_like,
                   types=ZEROS_TYPES))
register(OpHandler(opcode="BROADCAST_TO", check=check_broadcast_to, lower=lower_broadcast_to,
                   fold=fold_broadcast_to, types=tuple(sorted(MOVABLE, key=str))))
register(OpHandler(opcode="BROADCAST_ARGS", check=check_broadcast_args, lower=lower_broadcast_args,
                   fold=fold_broadcast_args, types=SHAPE_TYPES))
