"""TRANSPOSE: every element type up to rank 6 (generic ``mf_strided_copy``), and numpy folding."""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import require_const
from codegen.ops.movement import MAX_DIMS, MOVABLE, check_movable, const_ints, row_major_strides, strided_copy_call
from codegen.ops.registry import register


def _perm(sg: Subgraph, op: Operator) -> list[int]:
    rank = len(sg.tensors[op.inputs[0]].shape)
    return [p + rank if p < 0 else p for p in const_ints(sg.tensors[op.inputs[1]])]


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, perm_t, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = check_movable(sg, op, [inp, out]) + require_const(perm_t, "permutation")
    if perm_t.dtype not in (DType.INT32, DType.INT64):
        problems.append(f"permutation of type {perm_t.dtype.name.lower()} (expected int32)")
    if problems:
        return problems
    rank = len(inp.shape)
    perm = _perm(sg, op)
    if rank > MAX_DIMS:
        problems.append(f"input of rank {rank} (at most {MAX_DIMS})")
    elif sorted(perm) != list(range(rank)):
        problems.append(f"{const_ints(perm_t)} is not a permutation of {rank} axes")
    elif tuple(inp.shape[p] for p in perm) != out.shape:
        problems.append(f"output shape {list(out.shape)} does not match the permutation")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    sg, op = ctx.subgraph, ctx.op
    inp, out = ctx.t(op.inputs[0]), ctx.output()
    perm = _perm(sg, op)
    strides = row_major_strides(inp.shape)
    call = strided_copy_call(op.inputs[0], op.outputs[0], inp.dtype.size, 0, list(out.shape),
                             [strides[p] for p in perm], comment=f"perm {perm}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [np.transpose(np.asarray(values[0]), _perm(sg, op))]


register(OpHandler(opcode="TRANSPOSE", check=check, lower=lower, fold=fold, types=tuple(sorted(MOVABLE, key=str))))
