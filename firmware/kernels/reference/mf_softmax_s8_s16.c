/* SOFTMAX, int8 in, int16 out (scale 1/65536, zero point -32768): reference kernel (TFLM's
 * gemmlowp fixed-point algorithm, as mf_softmax_s8 with a 16-bit output exponent). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_SOFTMAX_DIFF_BITS 5
#define MF_SOFTMAX_ACCUM_BITS 12

void mf_softmax_s8_s16(const mf_softmax_s8_params *p, const int8_t *input, int16_t *output)
{
    for (int32_t r = 0; r < p->outer; ++r) {
        const int8_t *in = input + (size_t)r * p->depth;
        int16_t *out = output + (size_t)r * p->depth;
        int32_t max_in_row = -128;
        for (int32_t c = 0; c < p->depth; ++c) {
            max_in_row = in[c] > max_in_row ? in[c] : max_in_row;
        }
        int32_t sum_of_exps = 0;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = mf_mbqm_greater_than_one(diff, p->input_multiplier, p->input_left_shift);
                sum_of_exps += mf_fp_rescale(mf_fp_exp_on_negative_values(scaled, MF_SOFTMAX_DIFF_BITS), 0,
                                             MF_SOFTMAX_ACCUM_BITS);
            }
        }
        int bits_over_unit;
        const int32_t shifted_scale = mf_fp_reciprocal(sum_of_exps, MF_SOFTMAX_ACCUM_BITS, &bits_over_unit);
        const int exponent = bits_over_unit + 31 - 16;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = mf_mbqm_greater_than_one(diff, p->input_multiplier, p->input_left_shift);
                const int32_t e = mf_fp_exp_on_negative_values(scaled, MF_SOFTMAX_DIFF_BITS);
                const int32_t unsat = mf_rdbpot(mf_srdhm(shifted_scale, e), exponent);
                out[c] = (int16_t)mf_clamp_i32(unsat - 32768, -32768, 32767);
            } else {
                out[c] = -32768;
            }
        }
    }
}
