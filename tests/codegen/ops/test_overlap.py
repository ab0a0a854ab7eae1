"""Overlapping an output with its dying input: the computed offset is safe (a simulation of the
kernel's write order over one shared byte array gives the same result as separate buffers) and
tight (one byte less breaks it where an overlap is needed at all)."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.ops import overlap


def _run_window(mem: np.ndarray, in_at: int, out_at: int, g: dict, conv: bool) -> np.ndarray:
    """A max-pool (conv=False: one channel) or a channel-summing 'convolution' over int8 bytes,
    written element by element in (oy, ox, oc) order into `mem` at out_at, reading mem at in_at."""
    ih, iw, ic, oh, ow, oc = g["in_h"], g["in_w"], g["in_c"], g["out_h"], g["out_w"], g["out_c"]
    for oy in range(oh):
        for ox in range(ow):
            for c in range(oc):
                acc = -1000 if not conv else 0
                for ky in range(g["k"]):
                    for kx in range(g["k"]):
                        y, x = oy * g["s"] - g["p"] + ky, ox * g["s"] - g["p"] + kx
                        if 0 <= y < ih and 0 <= x < iw:
                            if conv:
                                acc += int(mem[in_at + (y * iw + x) * ic: in_at + (y * iw + x + 1) * ic].astype(np.int64).sum())
                            else:
                                acc = max(acc, int(mem[in_at + (y * iw + x) * ic + c]))
                mem[out_at + (oy * ow + ox) * oc + c] = acc % 251 if conv else acc
    return mem[out_at: out_at + oh * ow * oc].copy()


GEOMS = [
    dict(in_h=8, in_w=8, in_c=4, out_h=4, out_w=4, out_c=4, k=2, s=2, p=0),   # 2x2 pool, stride 2
    dict(in_h=7, in_w=6, in_c=3, out_h=7, out_w=6, out_c=3, k=3, s=1, p=1),   # 3x3 SAME stride 1
    dict(in_h=9, in_w=9, in_c=2, out_h=5, out_w=5, out_c=6, k=3, s=2, p=1),   # strided, more channels out
]


CASES = [(g, conv) for g in GEOMS for conv in (False, True) if conv or g["out_c"] == g["in_c"]]  # pools keep channels


@pytest.mark.parametrize("g, conv", CASES, ids=[f"{'conv' if c else 'pool'}_{g['k']}x{g['k']}s{g['s']}_{g['in_c']}to{g['out_c']}"
                                                for g, c in CASES])
def test_window_offset_is_safe_and_tight(g, conv):
    rng = np.random.default_rng(0)
    n_in = g["in_h"] * g["in_w"] * g["in_c"]
    x = rng.integers(0, 100, n_in).astype(np.int64)
    mem = np.zeros(4 * n_in + 4 * g["out_h"] * g["out_w"] * g["out_c"], dtype=np.int64)
    mem[:n_in] = x
    want = _run_window(mem.copy(), 0, 2 * n_in, g, conv)  # separate buffers
    off = overlap.window(g["in_h"], g["in_w"], g["in_c"], g["out_h"], g["out_w"], g["out_c"], g["s"], g["s"],
                         g["p"], g["p"], 1, 1, per_channel=not conv)
    base = off + 8
    shared = np.zeros_like(mem)
    shared[base: base + n_in] = x
    assert np.array_equal(_run_window(shared, base, base - off, g, conv), want)
    if off > 0:
        shared = np.zeros_like(mem)
        shared[base: base + n_in] = x
        assert not np.array_equal(_run_window(shared, base, base - off + 1, g, conv), want)


@pytest.mark.parametrize("ei, eo", [(1, 1), (4, 1), (1, 4), (2, 1)])
def test_elementwise_offsets(ei, eo):
    n = 50
    off = overlap.elementwise(n, ei, eo)
    assert off == (0 if eo <= ei else (n - 1) * (eo - ei))


def test_rows():
    # FC: every output element of a row reads the whole input row, so a row's outputs may only land
    # on the rows before it: 10 one-byte outputs of row 0 need 9 bytes of room before the input
    assert overlap.rows(4, 64, 10, 1) == 9
    assert overlap.rows(4, 8, 10, 4) == 40 * 4 - 3 * 8 - 4


def _window_sum(mem: np.ndarray, in_at: int, g: dict, oy: int, ox: int) -> int:
    ih, iw, ic = g["in_h"], g["in_w"], g["in_c"]
    acc = 0
    for ky in range(g["k"]):
        for kx in range(g["k"]):
            y, x = oy * g["s"] - g["p"] + ky, ox * g["s"] - g["p"] + kx
            if 0 <= y < ih and 0 <= x < iw:
                acc += int(mem[in_at + (y * iw + x) * ic: in_at + (y * iw + x + 1) * ic].astype(np.int64).sum())
    return acc


def _run_conv_pairs(mem: np.ndarray, in_at: int, out_at: int, g: dict, pixels: int = 2) -> np.ndarray:
    """The dsp CONV_2D's order (pixels=2; the mve one's: 3): the windows of a group of pixels read,
    then the group's outputs written."""
    oh, ow, oc = g["out_h"], g["out_w"], g["out_c"]
    npix = oh * ow
    for p in range(0, npix, pixels):
        pix = list(range(p, min(p + pixels, npix)))
        sums = [_window_sum(mem, in_at, g, q // ow, q % ow) for q in pix]
        for q, acc in zip(pix, sums):
            for c in range(oc):
                mem[out_at + q * oc + c] = (acc * (c + 1)) % 251
    return mem[out_at: out_at + npix * oc].copy()


@pytest.mark.parametrize("pixels", [2, 3])
@pytest.mark.parametrize("g", GEOMS, ids=lambda g: f"{g['k']}x{g['k']}s{g['s']}_{g['in_c']}to{g['out_c']}")
def test_conv_pairs_offset_is_safe_and_tight(g, pixels):
    from codegen.ops.weighted import ConvGeometry
    geo = ConvGeometry(g["in_h"], g["in_w"], g["in_c"], g["out_h"], g["out_w"], g["out_c"], g["k"], g["k"],
                       g["s"], g["s"], 1, 1, g["p"], g["p"], "SAME")
    off = overlap.conv_pairs(geo) if pixels == 2 else overlap.conv_pixel_groups(geo, pixels)
    if pixels == 2:  # reading two windows before writing never needs more room than one window at a time
        assert off <= overlap.window_share(geo, 1, 1, per_channel=False)
    rng = np.random.default_rng(0)
    n_in = g["in_h"] * g["in_w"] * g["in_c"]
    x = rng.integers(0, 100, n_in).astype(np.int64)
    mem = np.zeros(4 * n_in + 4 * g["out_h"] * g["out_w"] * g["out_c"], dtype=np.int64)
    mem[:n_in] = x
    want = _run_conv_pairs(mem.copy(), 0, 2 * n_in, g, pixels)
    base = off + 8
    for shift, ok in ((0, True), (1, False)):
        if off == 0 and not ok:
            continue
        shared = np.zeros_like(mem)
        shared[base: base + n_in] = x
        assert np.array_equal(_run_conv_pairs(shared, base, base - off + shift, g, pixels), want) == ok


def _run_planar(mem: np.ndarray, in_at: int, out_at: int, g: dict, transposed: bool, band: int,
                stride: int = 1) -> np.ndarray:
    """The planar depthwise kernel's order: per band of output rows (along the plane), per group of 4
    channels, the input rows of the band's windows copied out, then the band's outputs of those
    channels written (3x3, padding 1 before)."""
    ih, iw, c = g["in_h"], g["in_w"], g["in_c"]
    oh, ow = (ih - 1) // stride + 1, (iw - 1) // stride + 1
    out_v, in_v = (ow, iw) if transposed else (oh, ih)
    for v0 in range(0, out_v, band):
        n = min(band, out_v - v0)
        lo, hi = max(0, stride * v0 - 1), min(in_v, stride * (v0 + n - 1) + 2)
        for grp in range(0, c, 4):
            x = mem[in_at: in_at + ih * iw * c].reshape(ih, iw, c)
            plane = np.zeros((ih + 3, iw + 3, 4), dtype=np.int64)
            if transposed:
                plane[1:ih + 1, lo + 1:hi + 1] = x[:, lo:hi, grp:grp + 4]
            else:
                plane[lo + 1:hi + 1, 1:iw + 1] = x[lo:hi, :, grp:grp + 4]
            for v in range(v0, v0 + n):
                for u in range(oh if transposed else ow):
                    oy, ox = (u, v) if transposed else (v, u)
                    s = plane[stride * oy:stride * oy + 3, stride * ox:stride * ox + 3].sum(axis=(0, 1))
                    for k in range(4):
                        mem[out_at + (oy * ow + ox) * c + grp + k] = int(s[k] * (k + 2)) % 251
    return mem[out_at: out_at + oh * ow * c].copy()


@pytest.mark.parametrize("shape,transposed,band,stride", [((6, 5, 8), True, 5, 1), ((9, 8, 4), False, 3, 1),
                                                          ((7, 9, 8), True, 4, 1), ((8, 6, 4), False, 8, 1),
                                                          ((12, 10, 8), False, 2, 2), ((11, 9, 4), True, 2, 2),
                                                          ((10, 10, 4), False, 5, 2)])
def test_planar_depthwise_offset_is_safe_and_tight(shape, transposed, band, stride):
    h, w, c = shape
    oh, ow = (h - 1) // stride + 1, (w - 1) // stride + 1
    g = dict(in_h=h, in_w=w, in_c=c)
    off = overlap.planar_depthwise(h, w, c, oh, ow, 1, 1, transposed, band, stride)
    rng = np.random.default_rng(2)
    n = h * w * c
    x = rng.integers(0, 100, n).astype(np.int64)
    mem = np.zeros(8 * n, dtype=np.int64)
    mem[:n] = x
    want = _run_planar(mem.copy(), 0, 3 * n, g, transposed, band, stride)
    base = off + 8
    for shift, ok in ((0, True), (1, False)):
        if off == 0 and not ok:
            continue
        shared = np.zeros_like(mem)
        shared[base: base + n] = x
        assert np.array_equal(_run_planar(shared, base, base - off + shift, g, transposed, band, stride), want) == ok


def _run_gemm_rows(mem: np.ndarray, in_at: int, out_at: int, rows: int, k: int, n: int) -> np.ndarray:
    """The mve FULLY_CONNECTED kernel's order over one shared array: per input row, output groups of
    four (each reading the whole input row again) written as they are done, then the rows after the
    last group one at a time."""
    for b in range(rows):
        for o in range(n):
            acc = int(mem[in_at + b * k: in_at + (b + 1) * k].sum()) * (o + 1)
            mem[out_at + b * n + o] = acc % 251
    return mem[out_at: out_at + rows * n].copy()


@pytest.mark.parametrize("rows,k,n", [(5, 8, 8), (6, 20, 19), (4, 4, 9), (7, 16, 3)])
def test_gemm_rows_offset_is_safe_and_tight(rows, k, n):
    off = overlap.gemm_rows(rows, k, n)
    rng = np.random.default_rng(1)
    x = rng.integers(0, 100, rows * k).astype(np.int64)
    mem = np.zeros(4 * (rows * k + rows * n), dtype=np.int64)
    mem[:rows * k] = x
    want = _run_gemm_rows(mem.copy(), 0, 2 * rows * k, rows, k, n)
    base = off + 8
    # safe; conservative by less than one output row (an output row's last group is written after its
    # input row's last read, which the offset does not count on), so a whole row closer breaks it
    for shift, ok in ((0, True), (n, False)):
        shared = np.zeros_like(mem)
        shared[base: base + rows * k] = x
        assert np.array_equal(_run_gemm_rows(shared, base, base - off + shift, rows, k, n), want) == ok
