/* SOFTMAX, float32: reference kernel (TFLM: expf of the scaled difference to the row maximum). */
#include <math.h>

#include "mcuforge/nn.h"

void mf_softmax_f32(const mf_softmax_f32_params *p, const float *input, float *output)
{
    for (int32_t r = 0; r < p->outer; ++r) {
        const float *in = input + (size_t)r * p->depth;
        float *out = output + (size_t)r * p->depth;
        float max = -3.40282347e+38f;
        for (int32_t c = 0; c < p->depth; ++c) {
            max = max < in[c] ? in[c] : max;
        }
        float sum = 0.0f;
        for (int32_t c = 0; c < p->depth; ++c) {
            const float e = expf((in[c] - max) * p->beta);
            out[c] = e;
            sum += e;
        }
        for (int32_t c = 0; c < p->depth; ++c) {
            out[c] = out[c] / sum;
        }
    }
}
