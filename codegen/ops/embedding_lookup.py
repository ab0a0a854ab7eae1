"""EMBEDDING_LOOKUP: rows of the value table (input 1; float32 or int8, rank >= 2) picked by int32
lookups (input 0, rank 1): float32 -> float32 and int8 -> int8 rows are copied (``mf_gather``);
int8 -> float32 (TFLM's hybrid path) dequantises each row with the table's scale (zero point 0, as
TFLM requires): float(q) * scale. TFLM fails the invoke on a lookup outside the table; the kernels
write zero rows there. numpy folding of the copying paths."""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import F32, KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.movement import prod
from codegen.ops.registry import register

# (value type, output type) pairs TFLM's kernel takes
PAIRS = {(DType.FLOAT32, DType.FLOAT32), (DType.INT8, DType.INT8), (DType.INT8, DType.FLOAT32)}
TYPES = (DType.FLOAT32, DType.INT8)


# Opens like arg_min_max.check (a `duplicates` pair): the operator checks' prologue (arity, operands);
# the rules after it are EMBEDDING_LOOKUP's own.
def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    lookup, value, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = []
    if lookup.dtype != DType.INT32 or len(lookup.shape) != 1:
        problems.append(f"lookups {lookup.describe()} (TFLM requires a rank-1 int32 tensor)")
    if (value.dtype, out.dtype) not in PAIRS:
        problems.append(f"{value.dtype.name.lower()} table -> {out.dtype.name.lower()} output (TFLM takes "
                        "float32 -> float32, int8 -> int8 and int8 -> float32)")
    if len(value.shape) < 2:
        problems.append(f"table {value.describe()} (TFLM requires rank >= 2)")
    if problems:
        return problems
    if out.shape != (lookup.shape[0], *value.shape[1:]):
        problems.append(f"output {out.describe()} (expected {[lookup.shape[0], *value.shape[1:]]})")
    if value.dtype == DType.INT8 and out.dtype == DType.FLOAT32:
        if value.quant is None or value.quant.per_channel or value.quant.zp != 0:
            problems.append("int8 table for a float32 output needs one scale and zero point 0 (TFLM)")
    elif value.dtype == DType.INT8 and value.quant and out.quant and \
            (value.quant.s, value.quant.zp) != (out.quant.s, out.quant.zp):
        problems.append("output quantised differently from the table (TFLM copies raw values)")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    lookup, value, out = ctx.t(ctx.op.inputs[0]), ctx.t(ctx.op.inputs[1]), ctx.output()
    columns = prod(value.shape[1:])
    if value.dtype == out.dtype:
        params: tuple = (("batches", 1), ("outer", 1), ("coords", lookup.shape[0]), ("axis_size", value.shape[0]),
                         ("row_bytes", columns * value.dtype.size))
        call = KernelCall(function="mf_gather", params_type="mf_gather_params", params=params,
                          inputs=(ctx.op.inputs[1], ctx.op.inputs[0]), outputs=(ctx.op.outputs[0],),
                          comment=f"{lookup.shape[0]} rows of {columns}")
    else:
        assert value.quant is not None
        params = (("lookups", lookup.shape[0]), ("rows", value.shape[0]), ("columns", columns),
                  ("scale", F32(value.quant.s)))
        call = KernelCall(function="mf_embedding_lookup_s8_f32", params_type="mf_embedding_lookup_params",
                          params=params, inputs=(ctx.op.inputs[1], ctx.op.inputs[0]), outputs=(ctx.op.outputs[0],),
                          comment=f"{lookup.shape[0]} rows of {columns}, dequantised")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    ids, table = np.asarray(values[0]), np.asarray(values[1])
    value, out = sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if ids.size and (ids.min() < 0 or ids.max() >= table.shape[0]):
        raise ValueError(f"embedding lookup outside [0, {table.shape[0]})")
    rows = table[ids]
    if value.dtype != out.dtype:
        assert value.quant is not None
        rows = rows.astype(np.float32) * np.float32(value.quant.s)
    return [rows.reshape(out.shape)]


register(OpHandler(opcode="EMBEDDING_LOOKUP", check=check, lower=lower, fold=fold, types=TYPES))
