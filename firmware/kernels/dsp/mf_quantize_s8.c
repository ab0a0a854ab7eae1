/* QUANTIZE float32 -> int8: DSP-variant kernel. TFLM computes zero_point + round(x / scale) with a
 * float32 division and std::round (halves away from zero), then saturates. Here the division is a
 * multiplication by y = 1 / scale (rounded once, at run time) with an exact correction:
 *
 *   p = x * y (float32), F = trunc(p * 2^15) (one VCVT to fixed point, saturating),
 *   t = F + 2^14 + zero_point * 2^15 + 8 (saturating add), out = SSAT8(t >> 15).
 *
 * Why this is TFLM's result. Let q = x / scale (real) and d = float32(q), TFLM's quotient. y =
 * (1 / scale)(1 + e1), p = x y (1 + e2), d = q (1 + e3) with |e_i| <= 2^-24, so |p - d| <=
 * (3 2^-24 + 2^-47) |q|. Where the output is not saturated |round(d) + zero_point| <= 128, so
 * |q| < 2^9 and |p - d| 2^15 < 3.0001; the truncation adds less than 1: D = d 2^15 lies in
 * (F - 4.0001, F + 4.0001). With T = D + 2^14 + zero_point 2^15 that is t - 12.0001 < T < t - 3.9999.
 * floor(T / 2^15) = floor(d + 1/2) + zero_point, which is round-half-away(d) + zero_point unless d is
 * a tie, and it equals floor(t / 2^15) unless a multiple of 2^15 lies in (T, t], i.e. unless
 * t mod 2^15 < 16 (a tie lies there too). Those quotients near a rounding boundary (1 in 2048) are
 * recomputed by the division. For |q| >= 2^9 both saturate alike (p has q's sign and |p| > 511);
 * the VCVT and the saturating add saturate infinities, NaN converts to 0 and gives the zero point,
 * as the division path here does (TFLM's conversion is undefined for them). When 1 / scale is not a
 * finite float the division runs. Output byte i is written after input i is read (in place). */
#include <math.h>

#include "mcuforge/dsp.h"
#include "mcuforge/nn.h"
#include "mf_dsp_asm.h"

/* TFLM's arithmetic by the division: y = trunc(2 * x / scale), round half away from zero. */
static __attribute__((noinline)) int8_t by_division(float x, float scale, int32_t k)
{
    const int32_t y = mf_f32_trunc2_s16(x / scale);
    return (int8_t)mf_ssat8_half(y + (y >> 31) + k);
}

#if !MF_QUANTIZE_MUL_ASM
/* groups of four by the product, in C: the groups done before one near a rounding boundary */
static int32_t mul_c(const mf_quantize_mul_args *a)
{
    for (int32_t g = 0; g < a->groups; ++g) {
        const float *x = a->in + 4 * g;
        int32_t t[4];
        uint32_t near = 1;
        for (int32_t j = 0; j < 4; ++j) {
            t[j] = mf_qadd(mf_f32_fix15(x[j] * a->inv), a->bias);
            near *= ((uint32_t)t[j] >> 4) & 0x7FFu; /* bits 4..14: zero when t mod 2^15 < 16 */
        }
        if (near == 0) {
            return g;
        }
        for (int32_t j = 0; j < 4; ++j) {
            a->out[4 * g + j] = (int8_t)mf_ssat8(t[j] >> 15);
        }
    }
    return a->groups;
}
#define by_product mul_c
#else
#define by_product mf_quantize_s8_mul
#endif

void mf_quantize_s8(const mf_affine_params *p, const float *input, int8_t *output)
{
    const float scale = p->scale, inv = 1.0f / scale;
    const int32_t k = 2 * p->zero_point + 1;
    const int32_t n = p->size;
    int32_t i = 0;
    if (isfinite(inv)) {
        mf_quantize_mul_args a = {input, output, n >> 2, inv, (1 << 14) + p->zero_point * (1 << 15) + 8};
        while (a.groups > 0) {
            const int32_t done = by_product(&a);
            i += 4 * done;
            if (done == a.groups) {
                break;
            }
            for (int32_t j = i; j < i + 4; ++j) { /* a group near a rounding boundary */
                output[j] = by_division(input[j], scale, k);
            }
            i += 4;
            a.in = input + i;
            a.out = output + i;
            a.groups = (n - i) >> 2;
        }
    }
    for (; i < n; ++i) {
        output[i] = by_division(input[i], scale, k);
    }
}
