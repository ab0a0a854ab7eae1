/* HARD_SWISH, float32: reference kernel (x * min(6, max(0, x + 3)) / 6, as TFLM). */
#include "mcuforge/nn.h"

void mf_hard_swish_f32(const mf_unary_params *p, const float *input, float *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const float v = input[i];
        float r = v + 3.0f;
        r = 0.0f < r ? r : 0.0f;
        r = r < 6.0f ? r : 6.0f;
        output[i] = v * r / 6.0f;
    }
}
