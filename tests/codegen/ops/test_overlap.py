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
