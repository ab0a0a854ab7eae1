"""SHAPE: always folded at build time (shapes are static), whatever its input."""

from __future__ import annotations

import numpy as np

from codegen.errors import McuforgeError
from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.registry import register


def check(sg: Subgraph, op: Operator) -> list[str]:
    out = sg.tensors[op.outputs[0]]
    if out.dtype not in (DType.INT32, DType.INT64):
        return [f"output type {out.dtype.name.lower()} (expected int32 or int64)"]
    return []


def lower(ctx: LowerContext) -> Lowered:
    raise McuforgeError("SHAPE reached lowering", hint="code-generator bug: constant folding must remove SHAPE")


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray | None]) -> list[np.ndarray]:
    return [np.asarray(sg.tensors[op.inputs[0]].shape, dtype=sg.tensors[op.outputs[0]].dtype.np)]


register(OpHandler(opcode="SHAPE", check=check, lower=lower, fold=fold, fold_shapes=True))
