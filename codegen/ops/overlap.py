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


def scheduled(read_last: np.ndarray, write_step: np.ndarray, step: int = 1) -> int:
    """Kernels that do not write in address order: input byte i is last read at step read_last[i],
    output byte a written at step write_step[a] (a step reads before it writes). The smallest offset
    >= 0, a multiple of `step`, at which no output byte lands on an input byte read at a later step."""
    r = np.asarray(read_last, dtype=np.int64).reshape(-1)
    w = np.asarray(write_step, dtype=np.int64).reshape(-1)
    if step == 1 and np.all(w[1:] >= w[:-1]):
        # writes in address order: input byte i is safe from the first output byte written at or after
        # its last read, so off >= that byte's address - i
        first = np.searchsorted(w, r, side="left")
        read = r >= 0
        return int(max(0, int((first[read] - np.nonzero(read)[0]).max(initial=0))))
    for off in range(0, w.size + 1, step):
        n = min(w.size - off, r.size)  # output bytes a in [off, off + n) land on input bytes a - off
        if n <= 0 or not np.any(r[:n] > w[off:off + n]):
            return off
    return w.size


def planar_depthwise(in_h: int, in_w: int, c: int, out_h: int, out_w: int, pad_top: int, pad_left: int,
                     transposed: bool, band: int, stride: int = 1) -> int:
    """The planar 3x3 int8 depthwise kernel (MF_DSP_DW_PLANAR): per band of `band` output rows (v,
    along the plane; x when transposed), per group of 4 channels, it reads the input rows the band's
    windows cover (stride * v - pad .. stride * (v + band - 1) - pad + 2) of those channels, then
    writes the band's outputs of those channels."""
    groups = c // 4
    read = np.full((in_h, in_w, c), -1, dtype=np.int64)
    write = np.zeros((out_h, out_w, c), dtype=np.int64)
    out_v, pad_v = (out_w, pad_left) if transposed else (out_h, pad_top)
    in_v = in_w if transposed else in_h
    for b, v0 in enumerate(range(0, out_v, band)):
        n = min(band, out_v - v0)
        lo, hi = max(0, stride * v0 - pad_v), min(in_v, stride * (v0 + n - 1) - pad_v + 3)
        for g in range(groups):
            t = b * groups + g
            ch = slice(4 * g, 4 * g + 4)
            if transposed:
                read[:, lo:hi, ch] = t
                write[:, v0:v0 + n, ch] = t
            else:
                read[lo:hi, :, ch] = t
                write[v0:v0 + n, :, ch] = t
    return scheduled(read, write)


def gemm_rows(rows: int, in_bytes: int, out_bytes: int) -> int:
    """The mve FULLY_CONNECTED kernel run as a GEMM (a 1x1 CONV_2D, codegen/ops/conv2d.py): input row
    b (in_bytes) is read while output row b (out_bytes) is written, group by group, so an output row
    may land only on input rows before its own."""
    b = np.arange(rows, dtype=np.int64)
    return scheduled(np.repeat(2 * b + 1, in_bytes), np.repeat(2 * b, out_bytes))


def conv_pairs(g, in_elem: int = 1, out_elem: int = 1) -> int:
    """The int8 dsp CONV_2D (codegen/ops/conv2d.py, MF_DSP_PAIRS): output pixels two at a time, both
    windows read before either pixel's outputs are written (the last odd pixel alone). Bytes a
    window row reads past its end only meet zero weights, so they may hold anything."""
    return conv_pixel_groups(g, 2, in_elem, out_elem)


def conv_pixel_groups(g, pixels: int, in_elem: int = 1, out_elem: int = 1) -> int:
    """A CONV_2D kernel that takes output pixels `pixels` at a time (the dsp kernel two, the mve
    kernel three), every window of a group read before any of its pixels' outputs are written (the
    pixels left at the end one group)."""
    npix = g.out_h * g.out_w
    step = np.arange(npix, dtype=np.int64).reshape(g.out_h, g.out_w) // pixels
    read = np.full((g.in_h, g.in_w), -1, dtype=np.int64)
    for ky in range(g.k_h):
        iy = np.arange(g.out_h) * g.stride_h - g.pad_top + ky * g.dil_h
        for kx in range(g.k_w):
            ix = np.arange(g.out_w) * g.stride_w - g.pad_left + kx * g.dil_w
            oky, okx = (iy >= 0) & (iy < g.in_h), (ix >= 0) & (ix < g.in_w)
            sub = step[np.ix_(oky, okx)]
            yy, xx = np.meshgrid(iy[oky], ix[okx], indexing="ij")
            np.maximum.at(read, (yy, xx), sub)
    read_bytes = np.repeat(read.reshape(-1), g.in_c * in_elem)
    write_bytes = np.repeat(step.reshape(-1), g.out_c * out_elem)
    return scheduled(read_bytes, write_bytes)
