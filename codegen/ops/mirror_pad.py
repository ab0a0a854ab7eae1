"""MIRROR_PAD: float32 and int8 (TFLM's types), REFLECT and SYMMETRIC, int32 or int64 constant
paddings on any axis; an index-map gather (``mf_index_gather``), and numpy folding.

The index maps are TFLM's GetInputDimension: left of the input, position p reads left + offset - 1 - p;
right of it, the mirrored position from the end; offset is 1 for REFLECT (the edge is not repeated)
and 0 for SYMMETRIC. Paddings that would make TFLM read outside the input (a left padding above the
axis size minus the offset; TensorFlow rejects those too) are refused.
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import require_const
from codegen.ops.index_gather import index_gather_call, index_gather_numpy
from codegen.ops.movement import MAX_DIMS, check_movable, const_ints
from codegen.ops.registry import register

TYPES = (DType.FLOAT32, DType.INT8)
_MODES = {0: ("REFLECT", 1), 1: ("SYMMETRIC", 0)}


def _paddings(sg: Subgraph, op: Operator) -> list[tuple[int, int]]:
    v = const_ints(sg.tensors[op.inputs[1]])
    return [(v[2 * k], v[2 * k + 1]) for k in range(len(v) // 2)]


def input_index(p: int, left: int, size: int, offset: int) -> int:
    """TFLM's GetInputDimension for output position p."""
    if p < left:
        original = left + offset - 1
        return original - min(p, original - offset)
    p -= left
    if p >= size:
        p -= size
        original = size - (1 + offset)
        return original - min(p, original)
    return p


def _maps(sg: Subgraph, op: Operator) -> list[list[int]]:
    shape = sg.tensors[op.inputs[0]].shape
    offset = _MODES[int(op.opt("mode", 0))][1]
    return [[input_index(p, a, d, offset) for p in range(d + a + b)] for d, (a, b) in zip(shape, _paddings(sg, op))]


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, pads, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if inp.dtype not in TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's MIRROR_PAD takes float32 and int8)"]
    problems = check_movable(sg, op, [inp, out]) + require_const(pads, "paddings")
    if pads.dtype not in (DType.INT32, DType.INT64):
        problems.append(f"paddings of type {pads.dtype.name.lower()} (TFLM reads int32 or int64)")
    if int(op.opt("mode", 0)) not in _MODES:
        problems.append(f"mirror mode {op.opt('mode')}")
    if problems:
        return problems
    if pads.shape != (len(inp.shape), 2):
        return [f"paddings {pads.describe()} for rank {len(inp.shape)} (TFLM requires [rank, 2])"]
    if len(inp.shape) > MAX_DIMS:
        return [f"rank {len(inp.shape)} (at most {MAX_DIMS})"]
    mode = _MODES[int(op.opt("mode", 0))][0]
    p = _paddings(sg, op)
    if any(a < 0 or b < 0 for a, b in p) or \
            any(not 0 <= i < d for d, m in zip(inp.shape, _maps(sg, op)) for i in m):
        problems.append(f"paddings {p} reach beyond the input {list(inp.shape)} in {mode} mode "
                        "(TFLM would read outside the input)")
    elif tuple(d + a + b for d, (a, b) in zip(inp.shape, p)) != out.shape:
        problems.append(f"output {out.describe()} does not match the paddings {p}")
    if inp.quant and out.quant and (inp.quant.s, inp.quant.zp) != (out.quant.s, out.quant.zp):
        problems.append("output quantised differently from the input (TFLM copies raw values)")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[0])
    mode = _MODES[int(ctx.op.opt("mode", 0))][0]
    call = index_gather_call(ctx, inp.shape, _maps(ctx.subgraph, ctx.op), inp.dtype.size,
                             f"{mode} {_paddings(ctx.subgraph, ctx.op)}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [index_gather_numpy(np.asarray(values[0]), _maps(sg, op))]


register(OpHandler(opcode="MIRROR_PAD", check=check, lower=lower, fold=fold, types=TYPES))
