/* TANH, float32: reference kernel (tanhf, as TFLM). */
#include <math.h>

#include "mcuforge/nn.h"

void mf_tanh_f32(const mf_unary_params *p, const float *input, float *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = tanhf(input[i]);
    }
}
