/*
 * Private to the mve kernels: the GEMM weight layout they share (nn.h "MVE variant": rows in groups
 * of four, block-major, each row zero-padded to whole 16-byte blocks, the out % 4 rows after the
 * groups one after the other), its scalar reading for host builds and leftover rows, and TFLM's
 * int8 requantisation (MultiplyByQuantizedMultiplier, double rounding) on four lanes at a time.
 * Used by mve/mf_fully_connected_s8.c and mve/mf_conv2d_s8.c.
 */
#ifndef MF_MVE_GEMM_H
#define MF_MVE_GEMM_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#if defined(__ARM_FEATURE_MVE) && (__ARM_FEATURE_MVE & 1)
#include <arm_mve.h>
#define MF_MVE 1
#endif

/* Weight i of row o in the layout above, with nb blocks per row. */
static inline int8_t mf_mve_weight(const int8_t *filter, int32_t rows, int32_t nb, int32_t o, int32_t i)
{
    const int32_t grouped = rows & ~3;
    if (o < grouped) {
        return filter[((size_t)(o >> 2) * (size_t)nb + (size_t)(i >> 4)) * 64 + (size_t)(o & 3) * 16 + (size_t)(i & 15)];
    }
    return filter[(size_t)grouped * (size_t)nb * 16 + (size_t)(o - grouped) * (size_t)nb * 16 + (size_t)i];
}

/* The plain sum_i x[i] * w[o][i] over n inputs (32-bit, wrapping like TFLM's accumulator). */
static inline int32_t mf_mve_row_dot(const int8_t *filter, int32_t rows, int32_t n, int32_t o, const int8_t *x)
{
    const int32_t nb = (n + 15) >> 4;
    uint32_t acc = 0;
    for (int32_t i = 0; i < n; ++i) {
        acc += (uint32_t)(x[i] * mf_mve_weight(filter, rows, nb, o, i));
    }
    return (int32_t)acc;
}

/* One output: clamp(MBQM(sum + bias) + output_offset). */
static inline int8_t mf_mve_requant1(int32_t sum, int32_t bias, int32_t mult, int32_t shift, int32_t output_offset,
                                     int32_t act_min, int32_t act_max)
{
    const int32_t acc = mf_mbqm((int32_t)((uint32_t)sum + (uint32_t)bias), mult, shift);
    return (int8_t)mf_clamp_i32(acc + output_offset, act_min, act_max);
}

#if defined(MF_MVE)
/* Four outputs at once, the sums already biased: VSHL (the left shift, wrapping like the C), VQRDMULH
 * (gemmlowp's SaturatingRoundingDoublingHighMul: the same value for every pair) and a rounding right
 * shift that rounds ties away from zero as gemmlowp does (VRSHL rounds them up: a negative value is
 * first lowered by one, saturating, which moves exactly its ties); then the output offset and the
 * activation bounds. */
static inline int32x4_t mf_mve_requant4(int32x4_t acc, int32x4_t mult, int32x4_t shift, int32x4_t out_offset,
                                        int32x4_t lo, int32x4_t hi)
{
    const int32x4_t zero = vdupq_n_s32(0);
    const int32x4_t neg_right = vminq_s32(shift, zero); /* -(right shift) */
    acc = vqrdmulhq_s32(vshlq_s32(acc, vmaxq_s32(shift, zero)), mult);
    /* -1 on negative values when there is a right shift (neg_right has its sign bit set then) */
    acc = vqaddq_s32(acc, vshrq_n_s32(vandq_s32(acc, neg_right), 31));
    acc = vrshlq_s32(acc, neg_right);
    acc = vaddq_s32(acc, out_offset);
    return vminq_s32(vmaxq_s32(acc, lo), hi);
}

/* The four scalar sums in one vector. */
static inline int32x4_t mf_mve_lanes(int32_t a0, int32_t a1, int32_t a2, int32_t a3)
{
    int32x4_t v = vdupq_n_s32(a0);
    v = vsetq_lane_s32(a1, v, 1);
    v = vsetq_lane_s32(a2, v, 2);
    return vsetq_lane_s32(a3, v, 3);
}

/* sum over nb whole blocks of x[i] * w[i] (one row of the layout's leftover rows). */
static inline int32_t mf_mve_dot_blocks(const int8_t *x, const int8_t *w, int32_t nb)
{
    int32_t acc = 0;
    for (; nb > 0; --nb, x += 16, w += 16) {
        acc = vmladavaq_s8(acc, vld1q_s8(x), vld1q_s8(w));
    }
    return acc;
}
#endif

#endif /* MF_MVE_GEMM_H */
