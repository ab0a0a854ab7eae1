/* QUANTIZE int8_t -> int32_t (TFLM's Requantize): reference kernel. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_requantize_s8_s32(const mf_requantize_params *p, const int8_t *input, int32_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const uint32_t x = (uint32_t)input[i] - (uint32_t)p->input_zero_point;
        const int32_t centred = x <= (uint32_t)INT32_MAX ? (int32_t)x : -(int32_t)(~x) - 1;
        const int32_t v = mf_mbqm(centred, p->multiplier, p->shift);
        const uint32_t s = (uint32_t)v + (uint32_t)p->output_zero_point;
        const int32_t out = s <= (uint32_t)INT32_MAX ? (int32_t)s : -(int32_t)(~s) - 1;
        output[i] = (int32_t)mf_clamp_i32(out, p->act_min, p->act_max);
    }
}
