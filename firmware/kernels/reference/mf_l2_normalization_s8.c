/* L2_NORMALIZATION, int8 (TFLM's integer path): per row, the inverse square root of the sum of
 * squared offsets as a quantised multiplier (gemmlowp's Newton iteration, at run time), then
 * out = clamp(MBQM(x - zp, multiplier, shift + 7)) in units of 1/128. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* TFLM's GetInvSqrtQuantizedMultiplierExp(input, kReverseShift): 1 / sqrt(input) as a multiplier
 * and a left shift. FixedPoint values with 3 integer bits are raw int32 (real * 2^28). */
static void inv_sqrt_multiplier(int32_t input, int32_t *multiplier, int32_t *left_shift)
{
    if (input <= 1) {
        *multiplier = INT32_MAX;
        *left_shift = 0;
        return;
    }
    int32_t shift = 11;
    while (input >= (1 << 29)) {
        input /= 4;
        ++shift;
    }
    int32_t leading_zeros = 0;
    while (!((uint32_t)input & (0x80000000u >> leading_zeros))) {
        ++leading_zeros;
    }
    const int32_t pairs = (leading_zeros - 1) / 2 - 1;
    shift -= pairs;
    input = (int32_t)((uint32_t)input << (2 * pairs));
    const int32_t half_input = mf_rdbpot(input >> 1, 1);
    const int32_t half_three = (1 << 28) + (1 << 27);
    int32_t x = 1 << 28; /* 1.0 */
    for (int i = 0; i < 5; ++i) {
        const int32_t x3 = mf_fp_mul_pot(mf_srdhm(mf_srdhm(x, x), x), 6);
        const uint32_t diff = (uint32_t)mf_srdhm(half_three, x) - (uint32_t)mf_srdhm(half_input, x3);
        x = mf_fp_mul_pot((int32_t)diff, 3);
    }
    x = mf_srdhm(x, 1518500250); /* sqrt(2) / 2 */
    if (shift < 0) {
        x = (int32_t)((uint32_t)x << -shift);
        shift = 0;
    }
    *multiplier = x;
    *left_shift = -shift;
}

void mf_l2_normalization_s8(const mf_l2_normalization_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t i = 0; i < p->outer; ++i, input += p->depth, output += p->depth) {
        uint32_t acc = 0; /* TFLM's int32 sum */
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t d = input[c] - p->input_zero_point;
            acc += (uint32_t)(d * d);
        }
        int32_t multiplier, shift;
        inv_sqrt_multiplier((int32_t)acc, &multiplier, &shift);
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t v = mf_mbqm(input[c] - p->input_zero_point, multiplier, shift + 7);
            output[c] = (int8_t)mf_clamp_i32(v, -128, 127);
        }
    }
}
