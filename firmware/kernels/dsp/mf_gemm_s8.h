/*
 * Private to the dsp kernels: the requantisation of the row-pair GEMM's results that CONV_2D,
 * DEPTHWISE_CONV_2D and FULLY_CONNECTED share (records and modes in nn.h, "DSP variant").
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

#endif /* MF_GEMM_S8_H */
