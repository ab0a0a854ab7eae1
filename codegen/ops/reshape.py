"""RESHAPE, SQUEEZE, EXPAND_DIMS: views. Row-major data does not move; the output aliases the input."""

from __future__ import annotations

import numpy as np

from codegen.ir import Operator, Subgraph
from codegen.ops.base import Alias, LowerContext, Lowered, OpHandler
from codegen.ops.registry import register


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.elements != out.elements:
        return [f"{inp.describe()} cannot be viewed as {out.describe()}"]
    if inp.dtype != out.dtype:
        return [f"type changes from {inp.dtype.name} to {out.dtype.name}"]
    return []


def lower(ctx: LowerContext) -> Lowered:
    return Lowered(aliases=(Alias(output=ctx.op.outputs[0], input=ctx.op.inputs[0]),))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [np.asarray(values[0]).reshape(sg.tensors[op.outputs[0]].shape)]


for _name in ("RESHAPE", "SQUEEZE", "EXPAND_DIMS"):
    register(OpHandler(opcode=_name, check=check, lower=lower, fold=fold))
