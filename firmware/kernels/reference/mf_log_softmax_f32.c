/* LOG_SOFTMAX, float32, over the last dimension: reference kernel (TFLM's formula and order). */
#include <float.h>
#include <math.h>

#include "mcuforge/nn.h"

void mf_log_softmax_f32(const mf_log_softmax_f32_params *p, const float *input, float *output)
{
    for (int32_t i = 0; i < p->outer; ++i) {
        const float *x = input + (size_t)i * (size_t)p->depth;
        float *y = output + (size_t)i * (size_t)p->depth;
        float max = -FLT_MAX;
        for (int32_t c = 0; c < p->depth; ++c) {
            max = max < x[c] ? x[c] : max; /* std::max */
        }
        float sum = 0.0f;
        for (int32_t c = 0; c < p->depth; ++c) {
            sum += expf(x[c] - max);
        }
        const float log_sum = logf(sum);
        for (int32_t c = 0; c < p->depth; ++c) {
            y[c] = x[c] - max - log_sum;
        }
    }
}
