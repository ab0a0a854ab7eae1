/* FULLY_CONNECTED, float32: reference kernel (TFLM semantics: same summation order, bias last). */
#include "mcuforge/nn.h"

void mf_fully_connected_f32(const mf_fully_connected_f32_params *p, const float *input, float *output)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *in = input + (size_t)b * p->in_depth;
        for (int32_t o = 0; o < p->out_depth; ++o) {
            const float *w = p->filter + (size_t)o * p->in_depth;
            float total = 0.0f;
            for (int32_t i = 0; i < p->in_depth; ++i) {
                total += in[i] * w[i];
            }
            float v = total + (p->bias ? p->bias[o] : 0.0f);
            v = v < p->act_min ? p->act_min : v;
            v = p->act_max < v ? p->act_max : v;
            output[(size_t)b * p->out_depth + o] = v;
        }
    }
}
