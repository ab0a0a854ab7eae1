/* Requantisation int8 -> int16 (QUANTIZE between integer types, RELU): reference kernel. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_requantize_s8_s16(const mf_requantize_params *p, const int8_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t v = mf_mbqm(input[i] - p->input_zero_point, p->multiplier, p->shift) + p->output_zero_point;
        output[i] = (int16_t)mf_clamp_i32(v, p->act_min, p->act_max);
    }
}
