"""The build-time data of the dsp kernels (codegen/ops/dsp_pack.py), checked in numpy against the
arithmetic the kernels do with it: the row-pair weight stream walked as the C code walks it, the
FAST requantisation formula against TFLM's MultiplyByQuantizedMultiplier over whole accumulator
ranges, and the depthwise lane layout. The per-op tests then prove the C kernels on TFLM models."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.ops import dsp_pack
from codegen.quant.multiplier import quantize_multiplier

I32 = 1 << 31


def wrap32(x: np.ndarray) -> np.ndarray:
    return ((np.asarray(x, dtype=np.int64) + I32) % (1 << 32)) - I32


def lanes(words: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    u = np.asarray(words, dtype=np.int64) & 0xFFFFFFFF
    lo, hi = u & 0xFFFF, u >> 16
    return np.where(lo >= 1 << 15, lo - (1 << 16), lo), np.where(hi >= 1 << 15, hi - (1 << 16), hi)


def sxtb(h: np.ndarray) -> np.ndarray:
    b = np.asarray(h, dtype=np.int64) & 0xFF
    return np.where(b >= 128, b - 256, b)


def run_pairs(stream: np.ndarray, rows: int, k: int, tile: int, x: np.ndarray) -> np.ndarray:
    """What the dsp GEMM computes from the stream for input x: per pair, A = sum H * x and
    B = sum SXTB16(H) * x in wrapping int32, then rows B and (A - B) >> 8."""
    k4 = -(-k // 4) * 4
    xp = np.zeros(k4, dtype=np.int64)
    xp[:k] = x
    blocks = xp.reshape(-1, 4)
    even_x, odd_x = blocks[:, [0, 2]], blocks[:, [1, 3]]     # SXTB16 and SXTB16-ROR-8 lanes
    pairs = (rows + 1) // 2
    out = np.zeros(2 * pairs, dtype=np.int64)
    pos = 0
    for t in range(0, pairs, tile):
        n = min(tile, pairs - t)
        words = stream[pos:pos + len(blocks) * 2 * n].reshape(len(blocks), 2, n)   # [block][lane][pair]
        pos += words.size
        for j in range(n):
            a = b = 0
            for lane, xs in ((0, even_x), (1, odd_x)):
                lo, hi = lanes(words[:, lane, j])
                a += int(np.sum(lo * xs[:, 0] + hi * xs[:, 1]))
                b += int(np.sum(sxtb(lo) * xs[:, 0] + sxtb(hi) * xs[:, 1]))
            a, b = int(wrap32(a)), int(wrap32(b))
            out[2 * (t + j)] = b
            out[2 * (t + j) + 1] = int(wrap32(a - b)) >> 8
    assert pos == len(stream)
    return out[:rows]


@pytest.mark.parametrize("rows,k,tile", [(7, 13, 2), (8, 64, 2), (13, 40, 4), (3, 5, 4), (16, 640, 4)])
def test_row_pairs_give_every_row_sum(rows: int, k: int, tile: int) -> None:
    rng = np.random.default_rng(rows * 1000 + k)
    w = rng.integers(-127, 128, (rows, k))
    w[0, :3] = (-127, 127, -1)
    w = np.where(np.abs(w).sum(axis=1, keepdims=True) >= 1 << 16, w // 2, w)
    stream = dsp_pack.pack_row_pairs(w, tile)
    assert stream is not None and stream.dtype == np.int32
    for x in (rng.integers(-128, 128, k), np.full(k, -128), np.full(k, 127), -128 * np.sign(w[1] + 0.5)):
        np.testing.assert_array_equal(run_pairs(stream, rows, k, tile, x), w @ np.asarray(x, dtype=np.int64))


def test_row_pairs_refuse_what_would_not_be_exact() -> None:
    w = np.zeros((2, 8), dtype=np.int64)
    w[0, 3], w[1, 3] = -5, -128         # H = -5 + 256 * -128 leaves int16
    assert dsp_pack.pack_row_pairs(w, 2) is None
    w[0, 3] = 5                         # the high byte's borrow only comes from a negative low weight
    assert dsp_pack.pack_row_pairs(w, 2) is not None
    wide = np.full((2, 600), 110)       # sum |W| = 66000: 256 * S could leave 32 bits
    assert dsp_pack.pack_row_pairs(wide, 2) is None
    assert dsp_pack.pack_row_pairs(wide[:, :595], 2) is not None   # 65450 < 2^16


def _fast_out(acc: np.ndarray, rec: np.ndarray, fix: bool) -> np.ndarray:
    """The kernels' FAST formula on the record (2 bias, m, c, rs) for raw sums acc:
    SSAT8(SMMLAR(X, m, c + (X >> 31)) >> rs), the correction only with `fix`."""
    x = wrap32(rec[0] + 2 * acc)
    c = rec[2] + ((x >> 31) if fix else 0)
    v = c + ((x * rec[1] + (1 << 31)) >> 32)      # SMMLAR
    return np.clip(v >> rec[3], -128, 127)


def _shift_out(acc: np.ndarray, rec: np.ndarray, scale: int) -> np.ndarray:
    """A row of an MF_DSP_RQ_FLOOR_SHIFT layer for raw sums acc, its weights scaled by `scale`: a
    shifted record (2^(1+k) bias, m, K, -1 - k): SSAT8(SMMLA(X', m, K) >> RQ_SHIFT) with X' the sum
    of the scaled weights and bias; a FAST record (4th word rs >= 1) as the kernel's FAST path."""
    x = wrap32(rec[0] + scale * acc)
    if rec[3] >= 1:
        return _fast_out(acc, rec, fix=True)
    v = rec[2] + ((x * rec[1]) >> 32)              # SMMLA
    return np.clip(v >> dsp_pack.RQ_SHIFT, -128, 127)


@pytest.mark.parametrize("zp", [-128, -3, 20])
def test_fast_requant_matches_tflm_on_every_reachable_sum(zp: int) -> None:
    rng = np.random.default_rng(zp + 500)
    rows = 24
    scales = rng.uniform(1e-5, 0.49, rows)  # below 0.5: a right shift (FAST needs one)
    pairs = [quantize_multiplier(float(s)) for s in scales]
    mult, shift = [m for m, _ in pairs], [s for _, s in pairs]
    bound = rng.integers(1000, 200000, rows)
    bias = rng.integers(-100000, 100000, rows)
    rq = dsp_pack.requant_records(bias, mult, shift, bound, zp, -128, 127)
    assert rq.mode == (dsp_pack.RQ_FAST_FLOOR if zp == -128 else dsp_pack.RQ_FAST)
    rec = rq.records.reshape(rows, 4).astype(np.int64)
    for r in range(rows):
        sums = np.unique(np.concatenate([np.arange(-bound[r], bound[r] + 1, max(1, bound[r] // 5000)),
                                         [-bound[r], bound[r]], rng.integers(-bound[r], bound[r] + 1, 2000)]))
        want = np.clip(dsp_pack.mbqm(sums + bias[r], mult[r], shift[r]) + zp, -128, 127)
        got = _fast_out(sums, rec[r], fix=rq.mode == dsp_pack.RQ_FAST)
        np.testing.assert_array_equal(got, want, err_msg=f"row {r}")


def test_negative_ties_matter_unless_the_zero_point_is_minus_128() -> None:
    """RoundingDivideByPOT rounds -0.5 away from zero: the (v >> 31) term is needed for zp > -128."""
    m, s = quantize_multiplier(0.25)   # v = acc / 2 exactly for even acc, then >> 1
    rq = dsp_pack.requant_records(np.array([0]), [m], [s], np.array([64]), 0, -128, 127)
    rec = rq.records[:4].astype(np.int64)
    sums = np.arange(-64, 65)
    want = np.clip(dsp_pack.mbqm(sums, m, s), -128, 127)
    assert not np.array_equal(_fast_out(sums, rec, fix=False), want)
    np.testing.assert_array_equal(_fast_out(sums, rec, fix=True), want)


def test_constant_rows_and_exact_fallback() -> None:
    """A dead channel (zero multiplier; a huge bias under a tiny scale) is a constant record and keeps
    the layer FAST; a clamp narrower than int8 or a left shift makes the layer EXACT."""
    m1, s1 = quantize_multiplier(0.01)
    m2, s2 = quantize_multiplier(2.0 ** -29)
    bias, bound = np.array([100, 0, 1 << 30]), np.array([5000, 5000, 5000])
    rq = dsp_pack.requant_records(bias, [m1, 0, m2], [s1, 0, s2], bound, -128, -128, 127)
    assert rq.mode == dsp_pack.RQ_FAST_FLOOR
    rec = rq.records.reshape(3, 4)
    want1 = int(np.clip(dsp_pack.mbqm(np.array([0]), 0, 0)[0] - 128, -128, 127))
    want2 = int(np.clip(dsp_pack.mbqm(np.array([1 << 30]), m2, s2)[0] - 128, -128, 127))
    assert tuple(rec[1]) == (0, 0, 2 * want1 + 1, 1) and tuple(rec[2]) == (0, 0, 2 * want2 + 1, 1)
    for r, want in ((1, want1), (2, want2)):   # both corrections leave a constant row at its value
        for fix in (False, True):
            assert set(_fast_out(np.arange(-5000, 5001, 7), rec[r].astype(np.int64), fix)) == {want}
    assert rec[0][0] == 200
    assert dsp_pack.requant_records(bias[:1], [m1], [s1], bound[:1], -128, -100, 127).mode == dsp_pack.RQ_EXACT
    m3, s3 = quantize_multiplier(3.0)
    exact = dsp_pack.requant_records(np.array([7]), [m3], [s3], np.array([50]), 0, -128, 127)
    assert exact.mode == dsp_pack.RQ_EXACT and tuple(exact.records) == (7, m3, s3, 0)


def test_depthwise_lanes_layout() -> None:
    w = np.arange(2 * 8).reshape(2, 8) - 8     # [taps][channels]
    words = dsp_pack.depthwise_lanes(w).reshape(2, 2, 2)   # [group][tap][even/odd]
    lo, hi = lanes(words)
    for g in range(2):
        for t in range(2):
            c = 4 * g
            assert (lo[g, t, 0], hi[g, t, 0], lo[g, t, 1], hi[g, t, 1]) == (w[t, c], w[t, c + 2], w[t, c + 1],
                                                                             w[t, c + 3])


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_shift_for_every_row_matches_tflm_on_every_reachable_sum(seed: int) -> None:
    """MF_DSP_RQ_FLOOR_SHIFT (the planar depthwise kernel): rows with rs in [RQ_SHIFT - 7,
    RQ_SHIFT - 1] rescaled to one shift; checked against MBQM over each row's whole reachable range
    (every sum for the narrow rows, a dense sample and both ends for the wide ones), dead rows included."""
    rng = np.random.default_rng(seed)
    rows = 16
    scales = np.exp(rng.uniform(np.log(2.0 ** -9), np.log(2.0 ** -3), rows))   # rs in 3..9
    scales[5] = 2.0 ** -14                                                       # rs 14: keeps FAST
    pairs = [quantize_multiplier(float(x)) for x in scales]
    mult, shift = [m for m, _ in pairs], [s for _, s in pairs]
    mult[3] = 0                                                                 # a dead channel
    bound = rng.integers(100, 290000, rows)
    bias = rng.integers(-50000, 50000, rows)
    rq = dsp_pack.requant_records(bias, mult, shift, bound, -128, -128, 127)
    assert rq.mode == dsp_pack.RQ_FAST_FLOOR
    shifted = dsp_pack.floor_shift(rq, bias, bound)
    assert shifted is not None
    srq, scale = shifted
    assert srq.mode == dsp_pack.RQ_FLOOR_SHIFT and np.all((scale >= 2) & (scale <= 256))
    rec = srq.records.reshape(rows, 4).astype(np.int64)
    assert rec[5][3] >= 1 and scale[5] == 2 and np.all(rec[np.arange(rows) != 5, 3] <= -1)
    for r in range(rows):
        step = 1 if bound[r] < 20000 else max(1, bound[r] // 20000)
        sums = np.unique(np.concatenate([np.arange(-bound[r], bound[r] + 1, step), [-bound[r], bound[r]],
                                         rng.integers(-bound[r], bound[r] + 1, 5000)]))
        want = np.clip(dsp_pack.mbqm(sums + bias[r], mult[r], shift[r]) - 128, -128, 127)
        np.testing.assert_array_equal(_shift_out(sums, rec[r], int(scale[r])), want, err_msg=f"row {r}")


def test_one_shift_is_refused_outside_its_range() -> None:
    m, s = quantize_multiplier(2.0 ** -12)   # rs 12: beyond RQ_SHIFT - 1
    bound = np.array([4_000_000])          # wide enough that the row is not a constant
    rq = dsp_pack.requant_records(np.array([0]), [m], [s], bound, -128, -128, 127)
    assert rq.mode == dsp_pack.RQ_FAST_FLOOR and dsp_pack.floor_shift(rq, np.array([0]), bound) is None  # no row can
    fast = dsp_pack.requant_records(np.array([0]), [m], [s], bound, 3, -128, 127)
    assert fast.mode == dsp_pack.RQ_FAST and dsp_pack.floor_shift(fast, np.array([0]), bound) is None


def planar_row_words(words: np.ndarray) -> np.ndarray:
    """The kernel's view of depthwise_planar's five words of one channel (A0, C, A1, A2, D): per
    kernel row (Wa, Wb) = (A_r, (w2 | w1 << 16)), the second made by PKH from C or D and A_r."""
    a0, c, a1, a2, d = (int(x) & 0xFFFFFFFF for x in words)
    return np.array([a0, (c & 0xFFFF) | (a0 & 0xFFFF0000), a1, (c >> 16) | (a1 & 0xFFFF0000),
                     a2, (d & 0xFFFF) | (a2 & 0xFFFF0000)], dtype=np.int64)


def test_planar_depthwise_weights() -> None:
    """Five words per channel; as the kernel rebuilds them, per kernel row (of the transposed window
    when asked): (s w0, s w1), (s w2, s w1)."""
    w = np.arange(9 * 4).reshape(3, 3, 4) - 18
    scale = np.array([2, 4, 8, 16])
    for transposed in (False, True):
        packed = dsp_pack.depthwise_planar(w, transposed, scale).reshape(4, 5)
        lo, hi = lanes(np.stack([planar_row_words(p) for p in packed]).reshape(4, 3, 2))
        k = w.transpose(1, 0, 2) if transposed else w
        for c in range(4):
            for r in range(3):
                assert (lo[c, r, 0], hi[c, r, 0]) == (scale[c] * k[r, 0, c], scale[c] * k[r, 1, c])
                assert (lo[c, r, 1], hi[c, r, 1]) == (scale[c] * k[r, 2, c], scale[c] * k[r, 1, c])
