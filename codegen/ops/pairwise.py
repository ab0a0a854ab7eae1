"""Shared by the two-operand element-wise handlers of the unary-math/comparison/arithmetic family
(comparisons, logical ops, DIV, FLOOR_DIV, FLOOR_MOD, SQUARED_DIFFERENCE, PRELU): operand checks,
the broadcast plan (:mod:`codegen.ops.broadcast`) and the kernel call with its in-place pairs."""

from __future__ import annotations

from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops import broadcast
from codegen.ops.base import CValue, KernelCall, LowerContext, Lowered

Lower = Callable[[LowerContext], Lowered]

# TFLM's element-wise broadcasting loops (BroadcastBinaryOpSimple) take up to 8 dimensions; the
# kernels here walk up to 6 after size-1 dimensions are dropped and neighbours merged.
TFLM_MAX_RANK = 8


def names(types) -> str:
    return ", ".join(t.name.lower() for t in types)


def operands(sg: Subgraph, op: Operator) -> tuple[Tensor, Tensor, Tensor]:
    return sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]


def check_shapes(in1: Tensor, in2: Tensor, out: Tensor, max_rank: int = TFLM_MAX_RANK) -> list[str]:
    """The two operands broadcast to the output, within TFLM's rank and the kernels' plan."""
    shape = broadcast.broadcast_shape(in1.shape, in2.shape)
    if shape is None:
        return [f"shapes {list(in1.shape)} and {list(in2.shape)} do not broadcast"]
    if tuple(shape) != tuple(out.shape) and not (shape == () and out.elements == 1):
        return [f"output shape {list(out.shape)} is not the broadcast shape {list(shape)}"]
    rank = max(len(in1.shape), len(in2.shape), len(out.shape))
    if rank > max_rank:
        return [f"rank {rank} (TFLM's kernel broadcasts up to {max_rank} dimensions)"]
    try:
        broadcast.plan(in1.shape, in2.shape, out.shape)
    except ValueError as e:
        return [str(e)]
    return []


def check_quant(*tensors: Tensor) -> list[str]:
    problems = []
    for t in tensors:
        if t.quant is None:
            problems.append(f"tensor {t.name!r} ({t.dtype.name.lower()}) has no quantisation parameters")
        elif t.quant.per_channel:
            problems.append(f"tensor {t.name!r} is quantised per channel (TFLM reads one scale)")
    return problems


def plan(ctx: LowerContext) -> broadcast.Broadcast:
    in1, in2 = ctx.input(0), ctx.input(1)
    assert in1 is not None and in2 is not None
    return broadcast.plan(in1.shape, in2.shape, ctx.output().shape)


def call(ctx: LowerContext, function: str, params_type: str, params: tuple[tuple[str, CValue], ...],
         arrays: tuple = ()) -> Lowered:
    """``function(&params, input1, input2, output)``; an input of the output's shape and element size
    may share the output's bytes (element i is read before it is written)."""
    op, out = ctx.op, ctx.output()
    inplace = tuple((op.outputs[0], i) for i in dict.fromkeys(op.inputs[:2])
                    if ctx.t(i).shape == out.shape and ctx.t(i).dtype.size == out.dtype.size
                    and not ctx.t(i).is_const)
    in1, in2 = ctx.input(0), ctx.input(1)
    assert in1 is not None and in2 is not None
    comment = "" if in1.shape == in2.shape else f"broadcast {list(in1.shape)} x {list(in2.shape)}"
    c = KernelCall(function=function, params_type=params_type, params=params, inputs=tuple(op.inputs[:2]),
                   outputs=(op.outputs[0],), arrays=arrays, comment=comment, inplace=inplace)
    return Lowered(calls=(c,))


def fold_with(fn: Callable[[np.ndarray, np.ndarray], np.ndarray]
              ) -> Callable[[Subgraph, Operator, list[np.ndarray]], list[np.ndarray]]:
    """A numpy fold for ops whose numpy expression is exact (raw comparisons, logic)."""
    def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
        out = sg.tensors[op.outputs[0]]
        return [np.asarray(fn(np.asarray(values[0]), np.asarray(values[1]))).astype(out.dtype.np).reshape(out.shape)]
    return fold


def dispatch(table: dict[DType, Lower]) -> Lower:
    def lower(ctx: LowerContext) -> Lowered:
        inp = ctx.input(0)
        assert inp is not None
        return table[inp.dtype](ctx)
    return lower
