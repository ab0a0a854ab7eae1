"""Build-time data for the DSP-extension kernels (firmware/kernels/dsp/): weight layouts, folded
biases and requantisation records. Pure numpy; nn.h ("DSP variant" under CONV_2D) documents the
layouts this module writes, and conv2d.py, depthwise_conv2d.py and fully_connected.py decide per
call which kernel path to take with it.

Row pairs (CONV_2D, FULLY_CONNECTED). Two output rows r, r+1 share one 16-bit weight
H[k] = W[r][k] + 256 * W[r+1][k]. With inputs x widened to 16-bit lanes, one SMLAD on a word of two
H gives A = S_r + 256 * S_(r+1) (S = sum x * W over the lanes), and SXTB16 of the same word
recovers W[r][k], so a second SMLAD gives B = S_r. Then S_(r+1) = (A - B) / 256, exact as long as
|256 * S_(r+1)| fits in 32 bits, which :func:`pack_row_pairs` checks for every pair over every input
in [-128, 127]. Four multiply-accumulates cost two SMLAD and one SXTB16 instead of two SMLAD and two
SXTB16, in the same flash as the int8 weights.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

# nn.h, "DSP variant": dsp_path and dsp_requant values, and the kernels' fixed limits
GENERIC, PAIRS = 0, 1
DW_LANES, DW_PLANAR = 1, 2
RQ_EXACT, RQ_FAST, RQ_FAST_FLOOR, RQ_FLOOR_SHIFT = 0, 1, 2, 3
RQ_SHIFT = 10   # MF_DSP_RQ_SHIFT
FC_TILE = 4      # FULLY_CONNECTED: row pairs per tile (8 rows), lane-major
CONV_TILE = 2    # CONV_2D: row pairs per tile (4 rows), lane-major, two pixels at a time
_I32 = 1 << 31


def _words(lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Two int16 lanes per 32-bit word, as int32 values."""
    u = (lo.astype(np.int64) & 0xFFFF) | ((hi.astype(np.int64) & 0xFFFF) << 16)
    return np.where(u >= _I32, u - (1 << 32), u).astype(np.int32)


def pair_chunk(w: np.ndarray) -> int | None:
    """The largest count of 4-input blocks over which every row pair's sums stay exact: 256 * S of an
    odd row must fit 32 bits, so its sum |W| over a chunk stays below 2^16 (the kernel adds the
    chunks' row sums up). None when one block already breaks it (cannot happen for int8 weights)."""
    w = np.asarray(w, dtype=np.int64)
    rows, k = w.shape
    k4 = -(-k // 4) * 4
    odd = np.zeros((rows // 2, k4), dtype=np.int64)
    odd[:, :k] = np.abs(w[1:rows - rows % 2:2])
    blocks = odd.reshape(len(odd), -1, 4).sum(axis=2)                 # [pairs][blocks]
    n = blocks.shape[1]
    if n == 0 or len(blocks) == 0 or int(blocks.sum(axis=1).max()) < 1 << 16:
        return max(n, 1)
    csum = np.concatenate([np.zeros((len(blocks), 1), dtype=np.int64), np.cumsum(blocks, axis=1)], axis=1)
    for c in range(n - 1, 0, -1):
        ends = np.minimum(np.arange(c, n + c, c), n)
        starts = np.arange(0, n, c)
        if int((csum[:, ends] - csum[:, starts]).max()) < 1 << 16:
            return c
    return None


def pack_row_pairs(w: np.ndarray, tile: int, chunk: int | None = None) -> np.ndarray | None:
    """Weights [rows][K] (int8 values) as the row-pair stream of the dsp GEMM, or None when a pair
    cannot be packed exactly (a W[r+1][k] of -128 under a negative W[r][k], or an odd row whose
    sum |W| reaches 2^16 over a chunk of `chunk` blocks (the whole row by default) so that 256 * S
    could leave 32 bits).

    Layout: K is padded with zeros to a multiple of 4 and the rows to an even count. Pair j holds
    H_j[k] = W[2j][k] + 256 W[2j+1][k]; per block b of 4 inputs its two words are
    (H[4b] | H[4b+2] << 16) ("even") and (H[4b+1] | H[4b+3] << 16) ("odd"), the lanes SXTB16 and
    SXTB16-ROR-8 make of the input word. Pairs go in tiles of `tile` (the last tile takes the
    remaining pairs), each tile block-major and lane-major: for each block, the even words of the
    tile's pairs, then their odd words.
    """
    w = np.asarray(w, dtype=np.int64)
    rows, k = w.shape
    k4 = -(-k // 4) * 4
    r2 = rows + rows % 2
    padded = np.zeros((r2, k4), dtype=np.int64)
    padded[:rows, :k] = w
    lo, hi = padded[0::2], padded[1::2]
    if np.any((hi == -128) & (lo < 0)):
        return None
    fits = pair_chunk(padded)
    if fits is None or fits < min(k4 // 4 if chunk is None else chunk, max(k4 // 4, 1)):
        return None
    h = lo + 256 * hi                                     # [pairs][k4], in int16 range
    blocks = h.reshape(len(h), k4 // 4, 4)
    even = _words(blocks[:, :, 0], blocks[:, :, 2])        # [pairs][blocks]
    odd = _words(blocks[:, :, 1], blocks[:, :, 3])
    pw = np.stack([even, odd], axis=2)                     # [pairs][blocks][2]
    out = []
    for t in range(0, len(pw), tile):
        part = pw[t:t + tile]                              # [n][blocks][2]
        out.append(np.transpose(part, (1, 2, 0)).reshape(-1))  # [blocks][2][n]
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int32)


def pad_window_rows(w: np.ndarray, k_h: int) -> np.ndarray:
    """CONV_2D weights [rows][k_h * row] (OHWI, row = k_w * in_c) with each window row zero-padded
    to a multiple of 4 weights: the kernel reads a window row in place as whole 4-byte blocks."""
    w = np.asarray(w, dtype=np.int64)
    rows = w.shape[0]
    per_row = w.shape[1] // k_h
    out = np.zeros((rows, k_h, -(-per_row // 4) * 4), dtype=np.int64)
    out[:, :, :per_row] = w.reshape(rows, k_h, per_row)
    return out.reshape(rows, -1)


def fold_bias(bias: np.ndarray | None, w: np.ndarray, input_offset: int) -> np.ndarray:
    """bias[r] + input_offset * sum_k W[r][k] (int64): the input offset moved out of the inner loop.
    Padding then feeds the input zero point, whose offset-corrected value is 0, as TFLM's skip."""
    w = np.asarray(w, dtype=np.int64)
    b = np.zeros(w.shape[0], dtype=np.int64) if bias is None else np.asarray(bias, dtype=np.int64).reshape(-1)
    return b + int(input_offset) * w.sum(axis=1)


def acc_bound(w: np.ndarray, x_abs: int) -> np.ndarray:
    """max |sum_k x_k W[r][k]| per row over inputs with |x| <= x_abs."""
    return np.abs(np.asarray(w, dtype=np.int64)).sum(axis=1) * int(x_abs)


@dataclass(frozen=True)
class Requant:
    """dsp_requant and the per-channel records dsp_chan ([rows][4] int32, see nn.h)."""

    mode: int
    records: np.ndarray  # int32 [rows * 4]


def mbqm(x: np.ndarray, mult: np.ndarray, shift: np.ndarray) -> np.ndarray:
    """TFLM's MultiplyByQuantizedMultiplier (double rounding) on int64 arrays; x << max(shift, 0)
    must stay within int32 (callers check)."""
    x = np.asarray(x, dtype=np.int64) << np.maximum(shift, 0)
    right = np.maximum(-np.asarray(shift, dtype=np.int64), 0)
    ab = x * np.asarray(mult, dtype=np.int64)
    num = ab + np.where(ab >= 0, 1 << 30, 1 - (1 << 30))
    high = np.where(num >= 0, num >> 31, -((-num) >> 31))      # division truncating toward zero
    mask = (np.int64(1) << right) - 1
    threshold = (mask >> 1) + (high < 0)
    return (high >> right) + ((high & mask) > threshold)


def constant_rows(bias: np.ndarray, mult: np.ndarray, shift: np.ndarray, bound: np.ndarray, output_offset: int,
                  act_min: int, act_max: int) -> np.ndarray:
    """Per row, the output when it is the same for every reachable accumulator acc in
    [bias - bound, bias + bound] (TFLM's requantisation is monotonic there when nothing leaves 32
    bits), else -1000. Dead channels (a zero multiplier, or a huge bias under a tiny scale) are
    common in trained models; their outputs are constants."""
    b, bd = np.asarray(bias, dtype=np.int64), np.asarray(bound, dtype=np.int64)
    lo, hi = b - bd, b + bd
    left = np.maximum(np.asarray(shift, dtype=np.int64), 0)
    ok = (np.abs(lo) < _I32) & (np.abs(hi) < _I32) & (np.maximum(np.abs(lo), np.abs(hi)) << left < _I32)
    lo, hi = np.where(ok, lo, 0), np.where(ok, hi, 0)
    out_lo = np.clip(mbqm(lo, mult, shift) + output_offset, act_min, act_max)
    out_hi = np.clip(mbqm(hi, mult, shift) + output_offset, act_min, act_max)
    return np.where(ok & (out_lo == out_hi), out_lo, -1000)


def requant_records(bias: np.ndarray, mult: list[int] | tuple[int, ...], shift: list[int] | tuple[int, ...],
                    bound: np.ndarray, output_offset: int, act_min: int, act_max: int) -> Requant:
    """FAST when it is provably identical to TFLM's MBQM for every reachable accumulator
    (|acc - bias[r]| <= bound[r]): the activation clamp is all of int8, and every row either has a
    constant output (record (0, 0, 2 * out + 1, 1)) or a shift <= -1 with no intermediate leaving 32 bits.
    Then, with X = 2 * acc,
        v = SMMULR(X, m) = floor((acc * m + 2^30) / 2^31)     (TFLM's SaturatingRoundingDoublingHighMul)
        out = SSAT8((v + (v >> 31) + c) >> rs),  rs = -shift, c = 2^(rs-1) + (output_offset << rs)
    which is RoundingDivideByPOT(v, rs) + output_offset clamped to int8. The kernels compute it as
    SSAT8(SMMLAR(X, m, c + (X >> 31)) >> rs): SMMLAR adds c to SMMULR(X, m) exactly, and the tie
    correction may take the sign of X (v < 0 only when X < 0; for X < 0 and v = 0 it changes
    nothing since rs >= 1). A constant row's c is 2 * out + 1, which both corrections leave at out.
    Records (2 * bias, m, c, rs):
    the (folded) bias travels with the requantisation constants, two LDRD per row.
    RQ_FAST_FLOOR when moreover output_offset is -128: a negative v then always gives -128, so the
    kernel may skip the (v >> 31) correction of negative ties.
    EXACT otherwise: records (bias mod 2^32, m, shift, 0); the kernel calls mf_mbqm and clamps."""
    rows = len(bias)
    b = np.asarray(bias, dtype=np.int64)
    m = np.asarray(mult, dtype=np.int64)
    s = np.asarray(shift, dtype=np.int64)
    if len(m) == 1:
        m, s = np.repeat(m, rows), np.repeat(s, rows)
    bd = np.asarray(bound, dtype=np.int64)
    fast = act_min <= -128 and act_max >= 127 and rows > 0
    if fast:
        const = constant_rows(b, m, s, bd, output_offset, act_min, act_max)
        live = const == -1000
        rs = np.where(live, -s, 1)
        xmax = np.where(live, 2 * (bd + np.abs(b)), 0)
        ok = (rs >= 1) & (rs <= 30)
        c = np.where(ok, (np.int64(1) << np.clip(rs - 1, 0, 62)) + (np.int64(output_offset) << np.clip(rs, 0, 62)), 0)
        vmax = (xmax * m) // (1 << 32) + 2
        fast = bool(np.all(ok) and np.all(xmax < _I32) and np.all(np.where(live, vmax + 1 + np.abs(c), 0) < _I32))
    if fast:
        rec = np.stack([np.where(live, 2 * b, 0), np.where(live, m, 0), np.where(live, c, 2 * const + 1),
                        np.where(live, rs, 1)], axis=1)
        mode = RQ_FAST_FLOOR if output_offset == -128 else RQ_FAST
        return Requant(mode, rec.astype(np.int32).reshape(-1))
    wrapped = ((b + _I32) % (1 << 32)) - _I32  # TFLM's int32 sum wraps the same way
    rec = np.stack([wrapped, m, s, np.zeros(rows, dtype=np.int64)], axis=1)
    return Requant(RQ_EXACT, rec.astype(np.int32).reshape(-1))


def depthwise_lanes(w: np.ndarray) -> np.ndarray:
    """DEPTHWISE_CONV_2D weights [taps][channels] (channels a multiple of 4) for SMLAxy: per group of
    4 channels, per tap, the words (w[c0] | w[c2] << 16) and (w[c1] | w[c3] << 16)."""
    w = np.asarray(w, dtype=np.int64)
    taps, ch = w.shape
    g = w.reshape(taps, ch // 4, 4).transpose(1, 0, 2)    # [groups][taps][4]
    even = _words(g[:, :, 0], g[:, :, 2])
    odd = _words(g[:, :, 1], g[:, :, 3])
    return np.stack([even, odd], axis=2).reshape(-1)



def floor_shift(rq: Requant, bias: np.ndarray, bound: np.ndarray) -> tuple[Requant, np.ndarray] | None:
    """RQ_FAST_FLOOR records rewritten for one shift in every row that can take it (nn.h,
    MF_DSP_RQ_FLOOR_SHIFT), and the per-row factor of the weights; None unless the mode is
    RQ_FAST_FLOOR and some row can. With X = 2 * (acc + bias), SSAT8((SMMULR(X, m) + c) >> rs) =
    floor((X m + 2^31 + c 2^32) / 2^(32 + rs)) (nested floors); times 2^k above and below, with
    X' = 2^k X, that is floor((X' m + K 2^32) / 2^(32 + RQ_SHIFT)), K = 2^(k - 1) + c 2^k (k >= 1 makes
    2^(31 + k) a multiple of 2^32): SMMLA(X', m, K) >> RQ_SHIFT. Scaled weights 2^(1 + k) w stay
    int16 for k <= 7, so rs must lie in [RQ_SHIFT - 7, RQ_SHIFT - 1]; a row outside (or whose scaled
    sum could leave 32 bits) keeps its FAST record and weights doubled (its 4th word rs >= 1; a
    shifted row holds -1 - k there)."""
    if rq.mode != RQ_FAST_FLOOR:
        return None
    rec = rq.records.reshape(-1, 4).astype(np.int64)
    m, c, rs = rec[:, 1], rec[:, 2], rec[:, 3]
    b = np.asarray(bias, dtype=np.int64).reshape(-1)
    live = m != 0
    k = np.where(live, RQ_SHIFT - rs, 0)
    scale = np.int64(1) << (1 + np.clip(k, 0, 7))
    xmax = np.where(live, scale * (np.asarray(bound, dtype=np.int64) + np.abs(b)), 0)
    kk = np.where(live, (np.int64(1) << np.clip(k - 1, 0, 62)) + c * (np.int64(1) << np.clip(k, 0, 62)),
                  ((c - 1) // 2) << RQ_SHIFT)
    big = np.int64(1) << 62
    fits = (~live | ((k >= 1) & (k <= 7))) & (xmax < _I32) & (
        np.abs(kk) + (np.minimum(xmax, big) * m >> 32) + 2 < _I32)
    if not np.any(fits):
        return None
    out = np.where(fits[:, None], np.stack([np.where(live, scale * b, 0), m, kk, -1 - k], axis=1), rec)
    return Requant(RQ_FLOOR_SHIFT, out.astype(np.int32).reshape(-1)), np.where(fits, scale, 2)


def depthwise_planar(w: np.ndarray, transposed: bool, scale: np.ndarray) -> np.ndarray:
    """DEPTHWISE_CONV_2D 3x3 weights [3][3][channels] for the planar kernel (MF_DSP_DW_PLANAR): per
    channel five int16-lane words of its kernel rows r (rows of the transposed window when
    `transposed`) scaled by the channel's factor s (2: the sums are then X = 2 * sum; floor_shift's
    2^(1 + k)): A0, C, A1, A2, D with A_r = (s w_r0 | s w_r1 << 16), C = (s w_02 | s w_12 << 16),
    D = (s w_22 | 0). The kernel makes each row's second word (s w_r2 | s w_r1 << 16) by one PKH."""
    w = np.asarray(w, dtype=np.int64)
    k = w.transpose(1, 0, 2) if transposed else w         # [row][tap][channels]
    k = k.transpose(2, 0, 1) * np.asarray(scale, dtype=np.int64).reshape(-1, 1, 1)  # [channels][row][tap]
    a = [_words(k[:, r, 0], k[:, r, 1]) for r in range(3)]
    c = _words(k[:, 0, 2], k[:, 1, 2])
    d = _words(k[:, 2, 2], np.zeros_like(k[:, 2, 2]))
    return np.stack([a[0], c, a[1], a[2], d], axis=1).reshape(-1)


def planar_band(strips: int, out_v: int, budget: int, stride: int = 1) -> int:
    """Output rows per band of the planar depthwise kernel: all of them when the strips of 4
    channels fit `budget` bytes of scratch, else as many as fit (at least 4)."""
    words = 3 if stride == 1 else 5
    per_row = 4 * strips * 4 * words * stride
    return max(1, min(out_v, max(4, budget // per_row - 2)))


def planar_scratch(strips: int, band: int, stride: int = 1) -> int:
    """Bytes of dsp_scratch the planar depthwise kernel needs (nn.h): the strips of 4 channels
    (stride 1: band + 2 rows of 3 words; stride 2: 2 band + 1 rows of 5), then a row of input words."""
    rows, words = (band + 2, 3) if stride == 1 else (2 * band + 1, 5)
    return 4 * strips * rows * words * 4 + 4 * (4 * stride * strips + 2)


def planar_pays(out_u: int, out_v: int, stride: int) -> bool:
    """Whether the planar depthwise kernel beats the four-lane one on this output plane, by their
    instruction counts per channel as measured on the emulated Cortex-M4 (keyword_spotting,
    visual_wake_words): the four-lane kernel about 34 per output; the planar one 49 (stride 1) or
    52 (stride 2) per pass of 4 outputs, 12 + 9 t (+ 3) per pass of a last strip of t < 4, 12 per
    strip, 64 per channel, and its share of building the plane: per row of the plane 75, 2.3 per
    position and 27 (47) per strip, for 4 channels."""
    full, tail = divmod(out_u, 4)
    strips = full + (tail > 0)
    pass4, tail_pass, strip_build = (49, 12 + 9 * tail, 27) if stride == 1 else (52, 15 + 9 * tail, 47)
    width = 4 * stride * strips + 2
    plane_rows = out_v * stride + 3 - stride
    planar = (out_v * (full * pass4 + (tail_pass if tail else 0)) + 12 * strips + 64
              + plane_rows * (75 + 2.3 * width + strip_build * strips) / 4)
    return planar < 34 * out_u * out_v
