"""Shared by the data-movement handlers (PAD, CONCATENATION, PACK, SPLIT, STRIDED_SLICE, TRANSPOSE,
MEAN, variables): axis normalisation, row-major strides, dimension merging and the two generic kernels
``mf_copy_rows`` and ``mf_strided_copy`` (see the "data movement" section of nn.h)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, TypeVar

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops.base import KernelCall

MAX_DIMS = 6  # MF_MOVE_MAX_DIMS
INT32_MAX = (1 << 31) - 1

# element types the type-agnostic kernels move (by size)
MOVABLE = frozenset({DType.INT8, DType.UINT8, DType.INT16, DType.INT32, DType.FLOAT32, DType.INT64,
                     DType.BOOL})


def norm_axis(axis: int, rank: int) -> int:
    """A possibly negative axis as an index in [0, rank); ValueError if out of range."""
    a = axis + rank if axis < 0 else axis
    if not 0 <= a < rank:
        raise ValueError(f"axis {axis} out of range for rank {rank}")
    return a


A = TypeVar("A")


def axis_after(problems: list[str], axis: Callable[[], A]) -> tuple[A | None, list[str]]:
    """A check's next step once its operands are sound: (None, `problems`) if there are any, else the
    axis (or axes) `axis` computes, or (None, [why not]) when it raises ValueError (`norm_axis`)."""
    if problems:
        return None, problems
    try:
        return axis(), []
    except ValueError as e:
        return None, [str(e)]


def row_major_strides(shape: tuple[int, ...]) -> list[int]:
    strides, s = [], 1
    for d in reversed(shape):
        strides.append(s)
        s *= d
    return strides[::-1]


def prod(xs) -> int:
    n = 1
    for x in xs:
        n *= int(x)
    return n


def merge_walk(count: list[int], stride: list[int]) -> tuple[list[int], list[int]]:
    """Drop size-1 dimensions and merge neighbours that are contiguous in the source
    (stride[d] == stride[d+1] * count[d+1]); the visiting order is unchanged."""
    c = [int(x) for x, s in zip(count, stride) if x != 1]
    s = [int(y) for x, y in zip(count, stride) if x != 1]
    k = len(c) - 2
    while k >= 0:
        if s[k] == s[k + 1] * c[k + 1]:
            c[k] *= c[k + 1]
            s[k] = s[k + 1]
            del c[k + 1], s[k + 1]
        k -= 1
    return c, s


def padded(values: list[int], n: int | None = None) -> tuple[int, ...]:
    """A C array initialiser with at least one element (C99 has no empty initialisers)."""
    v = tuple(int(x) for x in values)
    if n is not None:
        v = v + (0,) * (n - len(v))
    return v or (0,)


def same_except_axis(a: tuple[int, ...], b: tuple[int, ...], axis: int) -> bool:
    """Whether two shapes have the same rank and agree on every dimension but `axis` (a piece of a
    concatenation or a split and the whole)."""
    return len(a) == len(b) and all(x == y for k, (x, y) in enumerate(zip(a, b)) if k != axis)


def piece_problems(pieces: list[Tensor], whole: Tensor, axis: int, role: str) -> list[str]:
    """Why `pieces` (the `role`s: a concatenation's inputs, a split's outputs) are not `whole` cut along
    `axis` in order."""
    problems = [f"{role} {t.describe()} is not a piece of {whole.describe()} on axis {axis}"
                for t in pieces if not same_except_axis(t.shape, whole.shape, axis)]
    if not problems and sum(t.shape[axis] for t in pieces) != whole.shape[axis]:
        problems.append(f"{role}s add up to {sum(t.shape[axis] for t in pieces)} on axis {axis}, "
                        f"{whole.describe()} has {whole.shape[axis]}")
    return problems


def check_movable(sg: Subgraph, op: Operator, tensors: list[Tensor]) -> list[str]:
    problems = []
    for t in tensors:
        if t.dtype not in MOVABLE:
            problems.append(f"tensor {t.name!r} of type {t.dtype.name.lower()} (supported: "
                            + ", ".join(sorted(d.name.lower() for d in MOVABLE)) + ")")
    if not problems and len({t.dtype for t in tensors}) > 1:
        problems.append("input and output types differ: "
                        + ", ".join(sorted({t.dtype.name.lower() for t in tensors})))
    return problems


def const_ints(t: Tensor) -> list[int]:
    return [int(x) for x in np.asarray(t.data).reshape(-1)]


@dataclass(frozen=True)
class Rows:
    """One ``mf_copy_rows`` call's geometry, in bytes."""

    rows: int
    row_bytes: int
    in_offset: int
    in_stride: int
    out_offset: int
    out_stride: int

    def params(self) -> tuple:
        if self.rows == 1:  # one contiguous copy: strides do not matter
            return (("rows", 1), ("row_bytes", self.row_bytes), ("in_offset", self.in_offset),
                    ("in_stride", 0), ("out_offset", self.out_offset), ("out_stride", 0))
        return (("rows", self.rows), ("row_bytes", self.row_bytes), ("in_offset", self.in_offset),
                ("in_stride", self.in_stride), ("out_offset", self.out_offset),
                ("out_stride", self.out_stride))


def copy_rows_call(src: int, dst: int, rows: Rows, comment: str = "") -> KernelCall:
    return KernelCall(function="mf_copy_rows", params_type="mf_copy_rows_params", params=rows.params(),
                      inputs=(src,), outputs=(dst,), comment=comment)


def piece_rows(whole: Tensor, axis: int, extents: list[int], gather: bool) -> list[Rows]:
    """The ``mf_copy_rows`` geometry of each piece of `whole` cut along `axis` (piece k takes
    `extents[k]` indices, in order): each piece's rows are contiguous in the piece and strided in the
    whole, so a piece is gathered into the whole (concatenation) or, else, scattered from it (split)."""
    outer, inner = axis_split(whole.shape, axis)
    es = whole.dtype.size
    whole_row = whole.shape[axis] * inner * es
    out, col = [], 0
    for n in extents:
        row = n * inner * es
        piece_side, whole_side = (0, row), (col, whole_row)
        (in_offset, in_stride), (out_offset, out_stride) = ((piece_side, whole_side) if gather
                                                            else (whole_side, piece_side))
        out.append(Rows(rows=outer, row_bytes=row, in_offset=in_offset, in_stride=in_stride,
                        out_offset=out_offset, out_stride=out_stride))
        col += row
    return out


def axis_split(shape: tuple[int, ...], axis: int) -> tuple[int, int]:
    """(outer, inner): element counts before and after `axis`."""
    return prod(shape[:axis]), prod(shape[axis + 1:])


def strided_copy_call(src: int, dst: int, elem_size: int, offset: int, count: list[int], stride: list[int],
                      comment: str = "") -> KernelCall:
    c, s = merge_walk(count, stride)
    if not c:
        c, s = [1], [1]
    if len(c) > MAX_DIMS:
        raise ValueError(f"{len(c)} dimensions after merging (max {MAX_DIMS})")
    params = (("elem_size", elem_size), ("rank", len(c)), ("offset", offset),
              ("count", padded(c, MAX_DIMS)), ("stride", padded(s, MAX_DIMS)))
    return KernelCall(function="mf_strided_copy", params_type="mf_strided_copy_params", params=params,
                      inputs=(src,), outputs=(dst,), comment=comment)


def fits_int32(*values: int) -> bool:
    return all(-INT32_MAX - 1 <= int(v) <= INT32_MAX for v in values)
