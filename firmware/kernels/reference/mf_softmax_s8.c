/* SOFTMAX, int8 in and out: reference kernel (TFLM's gemmlowp fixed-point algorithm). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_SOFTMAX_DIFF_BITS 5
#define MF_SOFTMAX_ACCUM_BITS 12

void mf_softmax_s8(const mf_softmax_s8_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t r = 0; r < p->outer; ++r) {
        const int8_t *in = input + (size_t)r * p->depth;
        int8_t *out = output + (size_t)r * p->depth;
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
        const int exponent = bits_over_unit + 31 - 8;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = in[c] - max_in_row;
            if (diff >= p->diff_min) {
                const int32_t scaled = mf_mbqm_greater_than_one(diff, p->input_multiplier, p->input_left_shift);
                const int32_t e = mf_fp_exp_on_negative_values(scaled, MF_SOFTMAX_DIFF_BITS);
                const int32_t unsat = mf_rdbpot(mf_srdhm(shifted_scale, e), exponent);
                out[c] = (int8_t)mf_clamp_i32(unsat - 128, -128, 127);
            } else {
                out[c] = -128;
            }
        }
    }
}
