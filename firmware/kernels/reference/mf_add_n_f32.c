/* ADD_N, float32: reference kernel (inputs summed in order from 0.0f, as TFLM). */
#include "mcuforge/nn.h"

void mf_add_n_f32(const mf_add_n_f32_params *p, float *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        float x = 0.0f;
        for (int32_t j = 0; j < p->count; ++j) {
            x += p->inputs[j][i];
        }
        output[i] = x;
    }
}
