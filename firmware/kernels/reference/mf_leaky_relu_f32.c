/* LEAKY_RELU, float32: reference kernel (x > 0 ? x : x * alpha, as TFLM). */
#include "mcuforge/nn.h"

void mf_leaky_relu_f32(const mf_leaky_relu_f32_params *p, const float *input, float *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const float v = input[i];
        output[i] = v > 0.0f ? v : v * p->alpha;
    }
}
