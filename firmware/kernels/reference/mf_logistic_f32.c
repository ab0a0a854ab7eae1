/* LOGISTIC, float32: reference kernel (TFLM's cut-offs around 1 / (1 + expf(-x))). */
#include <math.h>

#include "mcuforge/nn.h"

void mf_logistic_f32(const mf_unary_params *p, const float *input, float *output)
{
    const float cutoff_upper = 16.619047164916992188f;
    const float cutoff_lower = -9.0f;
    for (int32_t i = 0; i < p->size; ++i) {
        const float v = input[i];
        float r;
        if (v > cutoff_upper) {
            r = 1.0f;
        } else if (v < cutoff_lower) {
            r = expf(v);
        } else {
            r = 1.0f / (1.0f + expf(-v));
        }
        output[i] = r;
    }
}
