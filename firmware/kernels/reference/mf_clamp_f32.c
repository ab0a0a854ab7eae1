/* Clamp of float32 values (RELU, RELU6): reference kernel. NaN passes through, as in TFLM. */
#include "mcuforge/nn.h"

void mf_clamp_f32(const mf_clamp_f32_params *p, const float *input, float *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const float v = input[i];
        output[i] = v > p->hi ? p->hi : (v < p->lo ? p->lo : v);
    }
}
