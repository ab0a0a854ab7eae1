/* QUANTIZE float32 -> int8: reference kernel (TFLM AffineQuantize: a float division, roundf). */
#include <math.h>

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_quantize_s8(const mf_affine_params *p, const float *input, int8_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        float q = roundf(input[i] / p->scale);
        /* saturate before converting (TFLM's conversion of out-of-range values is undefined); NaN -> 0 */
        q = q < -1073741824.0f ? -1073741824.0f : (q > 1073741824.0f ? 1073741824.0f : (q == q ? q : 0.0f));
        const int32_t v = (int32_t)q + p->zero_point;
        output[i] = (int8_t)mf_clamp_i32(v, INT8_MIN, INT8_MAX);
    }
}
