"""CAST between the types TFLM's cast.cc converts: from int8, int16, int32, uint32, float32 or bool
to int8, int16, int32, uint32 or float32 (TFLM has no bool, int64 or uint8 output, nor int64 or uint8
input). Each element is converted as C (and TFLM's static_cast) does; folded with numpy's casts,
which are the same conversions for every value C defines."""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler, Share
from codegen.ops.common import check_arity
from codegen.ops import overlap
from codegen.ops.registry import register

INPUTS = (DType.INT8, DType.INT16, DType.INT32, DType.UINT32, DType.FLOAT32, DType.BOOL)
OUTPUTS = (DType.INT8, DType.INT16, DType.INT32, DType.UINT32, DType.FLOAT32)


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 1)
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    problems = []
    if inp.dtype not in INPUTS:
        problems.append(f"input type {inp.dtype.name.lower()} (TFLM's CAST reads "
                        + ", ".join(t.name.lower() for t in INPUTS) + ")")
    if out.dtype not in OUTPUTS:
        problems.append(f"output type {out.dtype.name.lower()} (TFLM's CAST writes "
                        + ", ".join(t.name.lower() for t in OUTPUTS) + ")")
    if inp.elements != out.elements:
        problems.append(f"{inp.describe()} -> {out.describe()} changes the element count")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    op, inp, out = ctx.op, ctx.input(0), ctx.output()
    assert inp is not None
    offset = overlap.elementwise(out.elements, inp.dtype.size, out.dtype.size)
    c = KernelCall(function="mf_cast", params_type="mf_cast_params",
                   params=(("size", out.elements), ("in_type", inp.dtype.value), ("out_type", out.dtype.value)),
                   inputs=(op.inputs[0],), outputs=(op.outputs[0],),
                   comment=f"{inp.dtype.name.lower()} -> {out.dtype.name.lower()}",
                   shares=(Share(op.outputs[0], op.inputs[0], offset),))
    return Lowered(calls=(c,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    out = sg.tensors[op.outputs[0]]
    x = np.asarray(values[0])
    if x.dtype.kind == "f" and out.dtype == DType.UINT32:
        x = np.clip(np.trunc(x), 0, 2**32 - 1).astype(np.int64)  # mf_cast saturates float -> uint32
    elif x.dtype.kind == "f" and out.dtype != DType.FLOAT32:
        x = np.trunc(x).astype(np.int64)  # C truncates toward zero; then wrap into the target type
    return [x.astype(out.dtype.np).reshape(out.shape)]


register(OpHandler(opcode="CAST", check=check, lower=lower, fold=fold, types=INPUTS))
