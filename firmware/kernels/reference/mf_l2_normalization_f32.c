/* L2_NORMALIZATION, float32 (TFLM): x / max(sqrtf(sum of squares), 1e-6f) over each row. */
#include <math.h>

#include "mcuforge/nn.h"

void mf_l2_normalization_f32(const mf_l2_normalization_params *p, const float *input, float *output)
{
    const float epsilon = 1e-6f;
    for (int32_t i = 0; i < p->outer; ++i, input += p->depth, output += p->depth) {
        float squares = 0.0f;
        for (int32_t c = 0; c < p->depth; ++c) {
            squares += input[c] * input[c];
        }
        float norm = sqrtf(squares);
        norm = norm < epsilon ? epsilon : norm;
        for (int32_t c = 0; c < p->depth; ++c) {
            output[c] = input[c] / norm;
        }
    }
}
