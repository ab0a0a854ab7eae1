/* SOFTMAX, int16 in and out: reference kernel (TFLM's LUT algorithm). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* TFLM LUTLookup: 513-entry table over the int16 range, 7-bit linear interpolation. */
static inline int16_t lut_lookup(int16_t value, const int16_t *lut)
{
    const uint16_t index = (uint16_t)(256 + (value >> 7));
    const int32_t offset = value & 0x7F;
    const int32_t base = lut[index];
    const int32_t slope = (int16_t)(lut[index + 1] - lut[index]);
    const int32_t delta = (slope * offset + 64) >> 7;
    return (int16_t)(base + delta);
}

static inline int count_leading_zeros(uint32_t x)
{
    int n = 0;
    while (n < 32 && !(x & 0x80000000u)) {
        x <<= 1;
        ++n;
    }
    return n;
}

void mf_softmax_s16(const mf_softmax_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t r = 0; r < p->outer; ++r) {
        const int16_t *in = input + (size_t)r * p->depth;
        int16_t *out = output + (size_t)r * p->depth;
        int32_t max_in_row = INT16_MIN;
        for (int32_t c = 0; c < p->depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        int32_t sum_of_exps = 0; /* Q16.15 */
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t scaled = mf_mbqm(in[c] - max_in_row, p->input_multiplier, p->input_shift);
            const int32_t sym = mf_clamp_i32(scaled + 32767, INT16_MIN, INT16_MAX);
            out[c] = lut_lookup((int16_t)sym, p->exp_lut);
            sum_of_exps += out[c];
        }
        const int headroom_plus_one = count_leading_zeros((uint32_t)sum_of_exps);
        const int32_t shifted_sum =
            (int32_t)((((int64_t)sum_of_exps << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
        const int32_t sym_sum = mf_clamp_i32(shifted_sum - ((1 << 15) + (1 << 16)), INT16_MIN, INT16_MAX);
        const int32_t reciprocal = lut_lookup((int16_t)sym_sum, p->one_over_one_plus_x_lut);
        const int right_shift = 31 - headroom_plus_one;
        const int64_t round = (int64_t)1 << (right_shift - 1);
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t v = (int32_t)(((int64_t)out[c] * reciprocal + round) >> right_shift);
            out[c] = (int16_t)mf_clamp_i32(v, 0, INT16_MAX);
        }
    }
}
