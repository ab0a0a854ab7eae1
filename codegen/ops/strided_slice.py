"""STRIDED_SLICE and SLICE: every element type (generic ``mf_strided_copy``), and numpy folding.

begin/end/strides and the masks are resolved at build time with TFLM's StartForAxis / StopForAxis
logic (negative indices count from the end, clamping, begin/end masks, shrink_axis takes one element
and drops the axis, negative strides walk backwards). TFLM ignores ellipsis and new-axis masks (its
output-shape check then fails), so they are refused here.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import require_const
from codegen.ops.movement import (MAX_DIMS, MOVABLE, check_movable, const_ints, row_major_strides,
                                  strided_copy_call)
from codegen.ops.registry import register

INT_MIN, INT_MAX = -(1 << 31), (1 << 31) - 1


def _clamp(v: int, lo: int, hi: int) -> int:
    return hi if v > hi else lo if v < lo else v


def _index(i: int, size: int, step: int) -> int:
    """A begin or end index on an axis of `size`: negative counts from the end, then clamped to the
    range a walk in the direction of `step` may start or stop at."""
    if i < 0:
        i += size
    return _clamp(i, 0, size) if step > 0 else _clamp(i, -1, size - 1)


def axis_ranges(shape: tuple[int, ...], begin: list[int], end: list[int], strides: list[int],
                begin_mask: int, end_mask: int, shrink_mask: int) -> list[tuple[int, int, int, bool]]:
    """(start, count, step, shrink) per input axis, as TFLM's strided_slice logic computes them."""
    out = []
    for a, size in enumerate(shape):
        step = strides[a]
        # a masked begin starts at the first element visited, a masked end stops past the last one
        first, past = (INT_MIN, INT_MAX) if step > 0 else (INT_MAX, INT_MIN)
        start = _index(first if begin_mask & (1 << a) else begin[a], size, step)
        shrink = bool(shrink_mask & (1 << a))
        if shrink:
            stop = start + 1
        else:
            stop = _index(past if end_mask & (1 << a) else end[a], size, step)
        count = max(0, math.ceil((stop - start) / step))
        out.append((start, count, step, shrink))
    return out


def _spec(sg: Subgraph, op: Operator) -> tuple[tuple[int, ...], list[tuple[int, int, int, bool]]]:
    """(output shape, per-axis ranges) for STRIDED_SLICE or SLICE."""
    inp = sg.tensors[op.inputs[0]]
    rank = len(inp.shape)
    if op.opcode == "SLICE":
        begin = const_ints(sg.tensors[op.inputs[1]])
        size = const_ints(sg.tensors[op.inputs[2]])
        ranges = []
        for a in range(rank):
            n = inp.shape[a] - begin[a] if size[a] == -1 else size[a]
            ranges.append((begin[a], n, 1, False))
    else:
        begin, end, strides = (const_ints(sg.tensors[op.inputs[k]]) for k in (1, 2, 3))
        ranges = axis_ranges(inp.shape, begin, end, strides, int(op.opt("beginMask", 0)),
                             int(op.opt("endMask", 0)), int(op.opt("shrinkAxisMask", 0)))
    shape = tuple(c for _, c, _, shrink in ranges if not shrink)
    return shape, ranges


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    problems = check_movable(sg, op, [inp, out])
    n_index = 2 if op.opcode == "SLICE" else 3
    for k, role in zip(range(1, n_index + 1), ("begin", "end" if n_index == 3 else "size", "strides")):
        t = sg.tensors[op.inputs[k]]
        problems += require_const(t, role)
        if t.dtype not in ((DType.INT32, DType.INT64) if op.opcode == "SLICE" else (DType.INT32,)):
            problems.append(f"{role} of type {t.dtype.name.lower()} (expected int32)")
        elif t.is_const and t.elements != len(inp.shape):
            problems.append(f"{role} has {t.elements} entries for an input of rank {len(inp.shape)}")
    if problems:
        return problems
    if len(inp.shape) > MAX_DIMS:
        problems.append(f"input of rank {len(inp.shape)} (at most {MAX_DIMS})")
    if op.opcode == "STRIDED_SLICE":
        if op.opt("ellipsisMask", 0) or op.opt("newAxisMask", 0):
            problems.append("ellipsis or new-axis masks (TFLM ignores them)")
        if op.opt("offset", False):
            problems.append("offset=True")
        if 0 in const_ints(sg.tensors[op.inputs[3]]):
            problems.append("a stride of 0")
    if problems:
        return problems
    shape, _ = _spec(sg, op)
    if shape != out.shape:
        problems.append(f"the slice has shape {list(shape)}, the output {list(out.shape)}")
    elif out.elements == 0:
        problems.append("empty output")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    sg, op = ctx.subgraph, ctx.op
    inp = sg.tensors[op.inputs[0]]
    _, ranges = _spec(sg, op)
    in_strides = row_major_strides(inp.shape)
    offset = sum(start * st for (start, _, _, _), st in zip(ranges, in_strides))
    count = [c for _, c, _, _ in ranges]
    stride = [step * st for (_, _, step, _), st in zip(ranges, in_strides)]
    spans = ", ".join(f"{start}:{start + c * step}:{step}" if not shrink else str(start)
                      for start, c, step, shrink in ranges)
    call = strided_copy_call(op.inputs[0], op.outputs[0], inp.dtype.size, offset, count, stride,
                             comment=f"[{spans}]")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    _, ranges = _spec(sg, op)
    x = np.asarray(values[0])
    index = np.ix_(*[np.arange(start, start + count * step, step) if count else np.arange(0)
                     for start, count, step, _ in ranges]) if ranges else ()
    return [x[index].reshape(sg.tensors[op.outputs[0]].shape)]


for _name in ("STRIDED_SLICE", "SLICE"):
    register(OpHandler(opcode=_name, check=check, lower=lower, fold=fold, types=tuple(sorted(MOVABLE, key=str))))
