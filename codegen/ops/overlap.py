"""How far an output must start before its input for a streaming kernel to overlap them safely.

Kernels write output elements in address order (row-major, channels innermost). Element j is
written after its own reads; it may only overwrite input bytes that no later element reads. With
`first_read[k]` the lowest input byte element k reads, the output may start `offset` bytes before
the input when, for every j, the written end `(j + 1) * out_elem - offset` stays at or below
`min(first_read[k] for k > j)`. The smallest such offset is what :func:`min_offset` returns.
"""

from __future__ import annotations

import numpy as np


def min_offset(first_read: np.ndarray, out_elem: int) -> int:
    """Smallest offset >= 0 so that output element j never lands on input still to be read."""
    n = first_read.size
    if n <= 1:
        return 0
    future = np.minimum.accumulate(first_read[::-1])[::-1]  # future[j] = min(first_read[j:])
    later = future[1:]                                     # min over k > j, for j = 0..n-2
    ends = (np.arange(1, n, dtype=np.int64)) * out_elem
    return int(max(0, int((ends - later).max())))


def elementwise(n: int, in_elem: int, out_elem: int) -> int:
    """Element k reads input element k (ADD, activations, QUANTIZE...)."""
    return min_offset(np.arange(n, dtype=np.int64) * in_elem, out_elem)


def rows(rows_n: int, row_in_bytes: int, row_out_elems: int, out_elem: int) -> int:
    """Output row r reads all of input row r before writing it (FULLY_CONNECTED per batch)."""
    first = np.repeat(np.arange(rows_n, dtype=np.int64) * row_in_bytes, row_out_elems)
    return min_offset(first, out_elem)


def window(in_h: int, in_w: int, in_c: int, out_h: int, out_w: int, out_c: int, stride_h: int, stride_w: int,
           pad_top: int, pad_left: int, in_elem: int, out_elem: int, per_channel: bool = False,
           depth_multiplier: int = 1) -> int:
    """Windowed kernels (CONV_2D, DEPTHWISE_CONV_2D, pools) in (oy, ox, oc) order. A convolution
    reads every input channel of the window (`per_channel` False); depthwise and pooling read only
    their own channel (oc // depth_multiplier)."""
    oy = np.arange(out_h, dtype=np.int64)
    ox = np.arange(out_w, dtype=np.int64)
    iy = np.maximum(0, oy * stride_h - pad_top)
    ix = np.maximum(0, ox * stride_w - pad_left)
    pix = (iy[:, None] * in_w + ix[None, :]) * in_c  # first input element of each output pixel's window
    if per_channel:
        ch = np.arange(out_c, dtype=np.int64) // depth_multiplier
        first = (pix[:, :, None] + ch[None, None, :]).reshape(-1) * in_elem
    else:
        first = np.repeat(pix.reshape(-1), out_c) * in_elem
    return min_offset(first, out_elem)


def window_share(g, in_elem: int, out_elem: int, per_channel: bool, depth_multiplier: int = 1) -> int:
    """:func:`window` for a window geometry record (`codegen.ops.weighted.ConvGeometry`)."""
    return window(g.in_h, g.in_w, g.in_c, g.out_h, g.out_w, g.out_c, g.stride_h, g.stride_w, g.pad_top,
                  g.pad_left, in_elem, out_elem, per_channel=per_channel, depth_multiplier=depth_multiplier)
