/*
 * Private to the dsp kernels: the row-pair GEMM shared by CONV_2D and FULLY_CONNECTED, and the fused
 * requantisation of its results (layouts in nn.h, "DSP variant").
 *
 * A tile computes np row pairs (2 np output rows) for one input vector given as segments: runs of
 * 4-byte blocks read in place (a 1x1 pixel, a row of a convolution window, an im2col buffer, a
 * fully-connected input row). Weights are lane-major: per block, the even words of the tile's pairs,
 * then the odd words. Per block: one LDR and two SXTB16 for the input, then per pair two weight
 * words, two SXTB16 and four SMLAD (A += H * x, B += SXTB16(H) * x).
 */
#ifndef MF_GEMM_S8_H
#define MF_GEMM_S8_H

/* GCC's first scheduling pass hoists every load and widening of an unrolled block ahead of its
 * multiply-accumulates and runs out of registers (spills cost more than the stalls it hides on an
 * in-order Cortex-M): keep the source order for the dsp kernels. And keep short copy loops inline
 * (GCC would call memset/memcpy for a few bytes). */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns", "no-tree-loop-distribute-patterns")
#endif

#include "mcuforge/dsp.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "mf_dsp_asm.h"

typedef struct {
    const int8_t *ptr;
    int32_t nblk; /* 4-byte blocks */
} mf_seg;

static inline void mf_zero8(int32_t *acc)
{
    acc[0] = acc[1] = acc[2] = acc[3] = acc[4] = acc[5] = acc[6] = acc[7] = 0;
}

/* One tile of np (1..4, a constant) pairs over the segments, accumulated onto acc[2j] = A_j,
 * acc[2j + 1] = B_j; returns the weights after the tile. */
static inline __attribute__((always_inline)) const int32_t *mf_lane_tile(const int np, const mf_seg *seg,
                                                                         int32_t nseg, const int32_t *w,
                                                                         int32_t *acc)
{
    int32_t a0 = acc[0], b0 = acc[1], a1 = acc[2], b1 = acc[3], a2 = acc[4], b2 = acc[5], a3 = acc[6], b3 = acc[7];
    for (int32_t s = 0; s < nseg; ++s) {
        const int8_t *x = seg[s].ptr;
        const int8_t *end = x + 4 * seg[s].nblk;
        for (; x != end; x += 4) {
            const uint32_t v = mf_read32(x);
            for (int lane = 0; lane < 2; ++lane) {
                const int32_t l = lane ? mf_sxtb16_ror8(v) : mf_sxtb16(v);
                int32_t e = *w++;
                a0 = mf_smlad(e, l, a0);
                b0 = mf_smlad(mf_sxtb16((uint32_t)e), l, b0);
                if (np >= 2) {
                    e = *w++;
                    a1 = mf_smlad(e, l, a1);
                    b1 = mf_smlad(mf_sxtb16((uint32_t)e), l, b1);
                }
                if (np >= 3) {
                    e = *w++;
                    a2 = mf_smlad(e, l, a2);
                    b2 = mf_smlad(mf_sxtb16((uint32_t)e), l, b2);
                }
                if (np >= 4) {
                    e = *w++;
                    a3 = mf_smlad(e, l, a3);
                    b3 = mf_smlad(mf_sxtb16((uint32_t)e), l, b3);
                }
            }
        }
    }
    acc[0] = a0;
    acc[1] = b0;
    acc[2] = a1;
    acc[3] = b1;
    acc[4] = a2;
    acc[5] = b2;
    acc[6] = a3;
    acc[7] = b3;
    return w;
}

/* One FAST output from X = 2 * (sum + bias) and the row's (mult, c, rs) (nn.h): one SMMLAR for
 * SMMULR(X, m) + c; `fix` (a constant) keeps the correction of negative ties that
 * MF_DSP_RQ_FAST_FLOOR may drop, taken from the sign of X (v < 0 only when X < 0, and for X < 0 with
 * v = 0 the correction changes nothing, rs >= 1). */
static inline __attribute__((always_inline)) int8_t mf_rq_fast(int32_t x, int32_t m, int32_t c, int32_t rs,
                                                               const int fix)
{
    const int32_t v = mf_smmlar(x, m, fix ? c + (x >> 31) : c);
    return (int8_t)mf_ssat8(v >> rs);
}

/* One output from its raw sum (bias not included) and its dsp_chan record, any mode. */
static inline int8_t mf_requant1(int32_t sum, const int32_t *r, int32_t requant, int32_t output_offset,
                                 int32_t act_min, int32_t act_max)
{
    if (requant != MF_DSP_RQ_EXACT) {
        return mf_rq_fast(r[0] + (int32_t)((uint32_t)sum << 1), r[1], r[2], r[3], 1);
    }
    const int32_t v = mf_mbqm((int32_t)((uint32_t)r[0] + (uint32_t)sum), r[1], r[2]) + output_offset;
    return (int8_t)mf_clamp_i32(v, act_min, act_max);
}

/* The output stage's constants. */
typedef struct {
    int32_t mode; /* MF_DSP_RQ_* */
    int32_t output_offset, act_min, act_max;
} mf_rq;

/* Rows r (sum B) and r + 1 (sum (A - B) / 256) of a row pair, FAST requantisation (nn.h): records
 * r[0..7]; the second row only when `two`. */
static inline __attribute__((always_inline)) void mf_pair_fast(int32_t a, int32_t b, const int32_t *r, int8_t *out,
                                                               int two, const int fix)
{
    mf_pair32 q = mf_ldrd_inc(&r);
    mf_pair32 k = mf_ldrd_inc(&r);
    out[0] = mf_rq_fast(q.a + (int32_t)((uint32_t)b << 1), q.b, k.a, k.b, fix);
    if (two) {
        q = mf_ldrd_inc(&r);
        k = mf_ldrd_inc(&r);
        out[1] = mf_rq_fast(q.a + ((int32_t)((uint32_t)a - (uint32_t)b) >> 7), q.b, k.a, k.b, fix);
    }
}

/* The same, EXACT requantisation (out of line: the rare slow path). */
static __attribute__((noinline, unused)) void mf_pair_exact(int32_t a, int32_t b, const int32_t *r, int8_t *out,
                                                            int two, const mf_rq *rq)
{
    out[0] = mf_requant1(b, r, MF_DSP_RQ_EXACT, rq->output_offset, rq->act_min, rq->act_max);
    if (two) {
        out[1] = mf_requant1((int32_t)((uint32_t)a - (uint32_t)b) >> 8, r + 4, MF_DSP_RQ_EXACT, rq->output_offset,
                             rq->act_min, rq->act_max);
    }
}

/* Requantises and stores the rows of np pairs (acc as mf_lane_tile's): min(2 np, rows) bytes. */
static inline __attribute__((always_inline)) void mf_pairs_store(const int np, const int32_t *acc, int32_t rows,
                                                                 const int32_t *rec, int8_t *out, const mf_rq *rq)
{
    if (rq->mode == MF_DSP_RQ_FAST_FLOOR) {
        for (int j = 0; j < np; ++j) {
            mf_pair_fast(acc[2 * j], acc[2 * j + 1], rec + 8 * j, out + 2 * j, j + 1 < np || rows > 2 * j + 1, 0);
        }
    } else if (rq->mode == MF_DSP_RQ_FAST) {
        for (int j = 0; j < np; ++j) {
            mf_pair_fast(acc[2 * j], acc[2 * j + 1], rec + 8 * j, out + 2 * j, j + 1 < np || rows > 2 * j + 1, 1);
        }
    } else {
        for (int j = 0; j < np; ++j) {
            mf_pair_exact(acc[2 * j], acc[2 * j + 1], rec + 8 * j, out + 2 * j, j + 1 < np || rows > 2 * j + 1, rq);
        }
    }
}

/* Tiles of np pairs for the few rows left over (np at run time, out of line: little code, rarely
 * run): accumulate the tile, requantise and store min(2 np, rows) rows; returns the weights after
 * the tile. */
static __attribute__((noinline, unused)) const int32_t *mf_lane_tile_rest(int32_t np, const mf_seg *seg,
                                                                         int32_t nseg, const int32_t *w,
                                                                         const int32_t *rec, int32_t rows,
                                                                         int8_t *out, const mf_rq *rq)
{
    int32_t acc[8] = {0, 0, 0, 0, 0, 0, 0, 0};
    for (int32_t s = 0; s < nseg; ++s) {
        const int8_t *x = seg[s].ptr;
        for (int32_t b = 0; b < seg[s].nblk; ++b, x += 4) {
            const uint32_t v = mf_read32(x);
            for (int32_t lane = 0; lane < 2; ++lane) {
                const int32_t l = lane ? mf_sxtb16_ror8(v) : mf_sxtb16(v);
                for (int32_t j = 0; j < np; ++j) {
                    const int32_t e = *w++;
                    acc[2 * j] = mf_smlad(e, l, acc[2 * j]);
                    acc[2 * j + 1] = mf_smlad(mf_sxtb16((uint32_t)e), l, acc[2 * j + 1]);
                }
            }
        }
    }
    for (int32_t j = 0; j < np; ++j) {
        const int two = j + 1 < np || rows > 2 * j + 1;
        if (rq->mode == MF_DSP_RQ_EXACT) {
            mf_pair_exact(acc[2 * j], acc[2 * j + 1], rec + 8 * j, out + 2 * j, two, rq);
        } else {
            mf_pair_fast(acc[2 * j], acc[2 * j + 1], rec + 8 * j, out + 2 * j, two, 1);
        }
    }
    return w;
}

#endif /* MF_GEMM_S8_H */
