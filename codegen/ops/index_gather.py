"""The ``mf_index_gather`` kernel's plan (nn.h), shared by MIRROR_PAD and RESIZE_NEAREST_NEIGHBOR:
each output dimension maps its indices to input byte offsets through a table computed at build
time, and the innermost dimensions that map one to one are copied as contiguous blocks."""

from __future__ import annotations

from typing import Sequence

import numpy as np

from codegen.ops.base import KernelCall, LowerContext, Sym
from codegen.ops.movement import MAX_DIMS, padded, row_major_strides


def index_gather_call(ctx: LowerContext, in_shape: tuple[int, ...], maps: Sequence[Sequence[int]], elem_size: int,
                      comment: str) -> KernelCall:
    """A call gathering output index (i_0, ...) from input element (maps[0][i_0], maps[1][i_1], ...):
    one index map per input dimension (output sizes = len(map)). Trailing identity dimensions become
    the copied block; size-1 dimensions are dropped."""
    maps = [list(m) for m in maps]
    block = elem_size
    while maps and maps[-1] == list(range(in_shape[len(maps) - 1])):
        block *= in_shape[len(maps) - 1]
        maps.pop()
    strides = row_major_strides(in_shape)
    dims = [(m, strides[d]) for d, m in enumerate(maps) if len(m) != 1]
    base = sum(m[0] * strides[d] for d, m in enumerate(maps) if len(m) == 1) * elem_size
    if not dims:
        dims = [([0], 0)]
    if len(dims) > MAX_DIMS:
        raise ValueError(f"{len(dims)} gathered dimensions (max {MAX_DIMS})")
    parts = [np.asarray(m, dtype=np.int64) * s * elem_size for m, s in dims]
    parts[0] = parts[0] + base  # the fixed index of the dropped size-1 dimensions, counted once
    offsets = np.concatenate(parts)
    table = ctx.array("offsets", "int32_t", offsets)
    params = (("rank", len(dims)), ("count", padded([len(m) for m, _ in dims], MAX_DIMS)),
              ("offsets", Sym(table.name)), ("block_bytes", block))
    return KernelCall(function="mf_index_gather", params_type="mf_index_gather_params", params=params,
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), arrays=(table,), comment=comment)


def index_gather_numpy(x: np.ndarray, maps: Sequence[Sequence[int]]) -> np.ndarray:
    """What the kernel computes, for folding."""
    return x[np.ix_(*[np.asarray(m, dtype=np.int64) for m in maps])]
