/*
 * Fixed-point helpers with TensorFlow Lite Micro's exact rounding (gemmlowp semantics).
 * Header-only, static inline; used by the int8/int16 kernels.
 */
#ifndef MCUFORGE_FIXEDPOINT_H
#define MCUFORGE_FIXEDPOINT_H

#include <stdint.h>

static inline int32_t mf_max_i32(int32_t a, int32_t b) { return a > b ? a : b; }
static inline int32_t mf_min_i32(int32_t a, int32_t b) { return a < b ? a : b; }
static inline int32_t mf_clamp_i32(int32_t x, int32_t lo, int32_t hi)
{
    return x < lo ? lo : (x > hi ? hi : x);
}

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a * b / 2^31), saturating INT32_MIN^2. */
static inline int32_t mf_srdhm(int32_t a, int32_t b)
{
    if (a == b && a == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t nudge = ab >= 0 ? (1LL << 30) : (1 - (1LL << 30));
    return (int32_t)((ab + nudge) / (1LL << 31));
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero. 0 <= exponent <= 31. */
static inline int32_t mf_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)((1LL << exponent) - 1);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLM MultiplyByQuantizedMultiplier (double rounding): shift > 0 shifts left first. */
static inline int32_t mf_mbqm(int32_t x, int32_t multiplier, int32_t shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return mf_rdbpot(mf_srdhm((int32_t)((uint32_t)x << left), multiplier), right);
}

/* TFLM MultiplyByQuantizedMultiplier for 64-bit accumulators (int16x8 kernels, double-rounding
 * build): the multiplier is reduced to 16 bits, one rounding shift, truncation to 32 bits. */
static inline int32_t mf_mbqm64(int64_t x, int32_t multiplier, int32_t shift)
{
    const int32_t reduced = (multiplier < 0x7FFF0000) ? ((multiplier + (1 << 15)) >> 16) : 0x7FFF;
    const int total_shift = 15 - shift;
    x = x * (int64_t)reduced + ((int64_t)1 << (total_shift - 1));
    return (int32_t)(x >> total_shift);
}

/* TFLM MultiplyByQuantizedMultiplierSmallerThanOneExp: left_shift <= 0. */
static inline int32_t mf_mbqm_smaller_than_one(int32_t x, int32_t multiplier, int32_t left_shift)
{
    return mf_rdbpot(mf_srdhm(x, multiplier), -left_shift);
}

/* TFLM MultiplyByQuantizedMultiplierGreaterThanOne: left_shift >= 0. */
static inline int32_t mf_mbqm_greater_than_one(int32_t x, int32_t multiplier, int32_t left_shift)
{
    return mf_srdhm((int32_t)((uint32_t)x << left_shift), multiplier);
}

/* ---- gemmlowp FixedPoint<int32_t, N> functions used by SOFTMAX, LOGISTIC and TANH -------------
 * A value with N integer bits is stored raw as real * 2^(31 - N). */

/* SaturatingRoundingMultiplyByPOT<exponent>: saturating left shift, or rounding right shift. */
static inline int32_t mf_fp_mul_pot(int32_t x, int exponent)
{
    if (exponent > 0) {
        const int32_t threshold = (int32_t)((1LL << (31 - exponent)) - 1);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return (int32_t)((uint32_t)x << exponent);
    }
    if (exponent < 0) {
        return mf_rdbpot(x, -exponent);
    }
    return x;
}

/* Rescale<dst>(x) for x with src integer bits. */
static inline int32_t mf_fp_rescale(int32_t x, int src_bits, int dst_bits)
{
    return mf_fp_mul_pot(x, src_bits - dst_bits);
}

static inline int32_t mf_fp_rounding_half_sum(int32_t a, int32_t b)
{
    const int64_t sum = (int64_t)a + (int64_t)b;
    const int64_t sign = sum >= 0 ? 1 : -1;
    return (int32_t)((sum + sign) / 2);
}

/* exp(a) for a in [-1/4, 0), Q0.31 in and out. */
static inline int32_t mf_fp_exp_quarter(int32_t a)
{
    const int32_t constant_term = 1895147668;  /* exp(-1/8) */
    const int32_t constant_1_over_3 = 715827883;
    const int32_t x = a + (1 << 28);
    const int32_t x2 = mf_srdhm(x, x);
    const int32_t x3 = mf_srdhm(x2, x);
    const int32_t x4 = mf_srdhm(x2, x2);
    const int32_t x4_over_4 = mf_fp_mul_pot(x4, -2);
    const int32_t poly = mf_fp_mul_pot(mf_srdhm(x4_over_4 + x3, constant_1_over_3) + x2, -1);
    return constant_term + mf_srdhm(constant_term, x + poly);
}

/* exp(a) for a <= 0 given with `bits` integer bits (1..30); result Q0.31. */
static inline int32_t mf_fp_exp_on_negative_values(int32_t a, int bits)
{
    static const int32_t multipliers[7] = {1672461947, 1302514674, 790015084, 290630308,
                                           39332535, 720401, 242};
    const int frac = 31 - bits;
    const int32_t one_quarter = (int32_t)1 << (frac - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_one_quarter = (a & mask) - one_quarter;
    int32_t result = mf_fp_exp_quarter(mf_fp_rescale(a_mod_quarter_minus_one_quarter, bits, 0));
    const int32_t remainder = a_mod_quarter_minus_one_quarter - a;
    for (int e = -2; e <= 4; ++e) {
        if (bits > e) {
            const int shift = frac + e;
            if (remainder & ((int32_t)1 << shift)) {
                result = mf_srdhm(result, multipliers[e + 2]);
            }
        }
    }
    if (bits > 5) {
        const int32_t clamp = -((int32_t)1 << (36 - bits));
        if (a < clamp) {
            result = 0;
        }
    }
    if (a == 0) {
        result = INT32_MAX;
    }
    return result;
}

/* 1 / (1 + a) for a in [0, 1), Q0.31 in and out (Newton-Raphson, three steps). */
static inline int32_t mf_fp_one_over_one_plus_x(int32_t a)
{
    const int32_t half_denominator = mf_fp_rounding_half_sum(a, INT32_MAX);
    const int32_t constant_48_over_17 = 1515870810;      /* Q2.29 */
    const int32_t constant_neg_32_over_17 = -1010580540; /* Q2.29 */
    int32_t x = constant_48_over_17 + mf_srdhm(half_denominator, constant_neg_32_over_17);
    for (int i = 0; i < 3; ++i) {
        const int32_t half_denominator_times_x = mf_srdhm(half_denominator, x);
        const int32_t one_minus = (1 << 29) - half_denominator_times_x;
        x = x + mf_fp_rescale(mf_srdhm(x, one_minus), 4, 2);
    }
    return mf_fp_rescale(x, 1, 0); /* ExactMulByPot<-1> then Rescale<0> */
}

/* TFLM GetReciprocal: 1/x for x with `integer_bits`; *bits_over_unit receives the exponent. */
static inline int32_t mf_fp_reciprocal(int32_t x, int integer_bits, int *bits_over_unit)
{
    int headroom_plus_one = 0;
    uint32_t ux = (uint32_t)x;
    while (headroom_plus_one < 32 && !(ux & 0x80000000u)) {
        ux <<= 1;
        ++headroom_plus_one;
    }
    *bits_over_unit = integer_bits - headroom_plus_one;
    const int32_t shifted_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
    return mf_fp_one_over_one_plus_x(shifted_minus_one);
}

#endif /* MCUFORGE_FIXEDPOINT_H */
