"""LOGICAL_AND, LOGICAL_OR (numpy broadcasting) and LOGICAL_NOT on bool tensors, as TFLM's
logical.cc and elementwise.cc (bool is TFLM's only type for them). Bools are bytes; outputs are 0 or 1."""

from __future__ import annotations

from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops import pairwise
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.registry import register

BINARY: dict[str, tuple[int, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "LOGICAL_AND": (0, np.logical_and), "LOGICAL_OR": (1, np.logical_or)}  # nn.h MF_LOGICAL_*


def _bool_only(*tensors) -> list[str]:
    return [f"tensor {t.name!r} of type {t.dtype.name.lower()} (TFLM's logical ops take bool only)"
            for t in tensors if t.dtype != DType.BOOL]


def check_binary(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op)
    if problems:
        return problems
    in1, in2, out = pairwise.operands(sg, op)
    return _bool_only(in1, in2, out) + pairwise.check_shapes(in1, in2, out)


def _lower_binary(ctx: LowerContext) -> Lowered:
    params = (("bc", pairwise.plan(ctx).c_value()), ("op", BINARY[ctx.op.opcode][0]))
    return pairwise.call(ctx, "mf_logical_b8", "mf_logical_params", params)


def check_not(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 1)
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    problems = _bool_only(inp, out)
    if inp.elements != out.elements:
        problems.append(f"{inp.describe()} -> {out.describe()} changes the element count")
    return problems


def _lower_not(ctx: LowerContext) -> Lowered:
    op = ctx.op
    c = KernelCall(function="mf_logical_not_b8", params_type="mf_unary_params",
                   params=(("size", ctx.output().elements),), inputs=(op.inputs[0],), outputs=(op.outputs[0],),
                   inplace=((op.outputs[0], op.inputs[0]),))
    return Lowered(calls=(c,))


def _fold_not(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [np.logical_not(np.asarray(values[0])).reshape(sg.tensors[op.outputs[0]].shape)]


for _opcode, (_code, _fn) in BINARY.items():
    register(OpHandler(opcode=_opcode, check=check_binary, lower=_lower_binary, fold=pairwise.fold_with(_fn),
                       types=(DType.BOOL,)))
register(OpHandler(opcode="LOGICAL_NOT", check=check_not, lower=_lower_not, fold=_fold_not, types=(DType.BOOL,)))
