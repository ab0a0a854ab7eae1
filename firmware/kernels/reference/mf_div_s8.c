/* DIV, int8, with broadcasting: reference kernel (TFLM's reciprocal-based quantised division). */
#include "../common/mf_broadcast_walk.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* Leading sign bits of x (GCC's __builtin_clrsb): 31 for 0 and -1. */
static int leading_sign_bits(int32_t x)
{
    uint32_t u = x < 0 ? ~(uint32_t)x : (uint32_t)x;
    int n = 0;
    while (n < 31 && !(u & 0x40000000u)) {
        u <<= 1;
        ++n;
    }
    return n;
}

/* TFLM's MultiplyByQuantizedMultiplierSmallerThanOneExp with its exponent unbounded. A small dividend
 * over a large divisor asks TFLM's RoundingDivideByPOT for more than 31 bits of shift, undefined in C:
 * its mask becomes all ones and x86 (where the TFLM reference runs) shifts by the exponent mod 32. This
 * computes that result in defined C on every target, so the device agrees with the reference. */
static int32_t scale_quotient(int32_t quotient, int32_t multiplier, int32_t total_shift)
{
    if (total_shift >= -31) {
        return mf_mbqm_smaller_than_one(quotient, multiplier, total_shift);
    }
    const int32_t x = mf_srdhm(quotient, multiplier);
    return (x >> ((-total_shift) & 31)) + (x >= 0 ? 1 : 0);
}

static int8_t divide(const mf_div_s8_params *p, int32_t a, int32_t b)
{
    a += p->input1_offset;
    b += p->input2_offset;
    if (b == 0) {
        return (int8_t)(a > 0 ? p->act_max : a < 0 ? p->act_min : mf_clamp_i32(p->output_offset, p->act_min, p->act_max));
    }
    if (b < 0) {
        a = -a;
        b = -b;
    }
    int recip_shift;
    const int32_t inv = mf_fp_reciprocal(b, 31, &recip_shift);
    const int headroom = leading_sign_bits(a);
    const int32_t quotient = mf_mbqm_greater_than_one(a, inv, headroom);
    const int32_t total_shift = p->output_shift - recip_shift - headroom;
    const int32_t v = p->output_offset + scale_quotient(quotient, p->output_multiplier, total_shift);
    return (int8_t)mf_clamp_i32(v, p->act_min, p->act_max);
}

#define MF_DIV_S8_STEP(out, x, y) (*(out)++ = divide(p, (x), (y)))

void mf_div_s8(const mf_div_s8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int8_t, input1, int8_t, input2, output, MF_DIV_S8_STEP);
}
