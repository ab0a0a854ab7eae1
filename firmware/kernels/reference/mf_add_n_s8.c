/* ADD_N, int8: reference kernel (TFLM's rescaled sum; one quantisation for every input). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static int32_t term(const mf_add_n_s8_params *p, int32_t x)
{
    return mf_mbqm_smaller_than_one((x + p->input_offset) * ((int32_t)1 << p->left_shift), p->input_multiplier,
                                    p->input_shift);
}

void mf_add_n_s8(const mf_add_n_s8_params *p, int8_t *output)
{
    const int32_t zero = term(p, 0);
    for (int32_t i = 0; i < p->size; ++i) {
        int32_t sum = zero;
        for (int32_t j = 0; j < p->count; ++j) {
            sum += term(p, p->inputs[j][i]);
        }
        const int32_t v = mf_mbqm_smaller_than_one(sum, p->output_multiplier, p->output_shift) + p->output_offset;
        output[i] = (int8_t)mf_clamp_i32(v, p->act_min, p->act_max);
    }
}
