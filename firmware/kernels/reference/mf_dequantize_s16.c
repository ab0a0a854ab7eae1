/* DEQUANTIZE int16 -> float32: reference kernel. TFLM computes (float)(double(scale) * (q - zp));
 * the product of a float and an integer below 2^24 is exact in double, so one float multiply gives
 * the same correctly rounded result. */
#include "mcuforge/nn.h"

void mf_dequantize_s16(const mf_affine_params *p, const int16_t *input, float *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = p->scale * (float)(input[i] - p->zero_point);
    }
}
