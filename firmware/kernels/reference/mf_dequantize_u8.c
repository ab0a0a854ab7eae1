/* DEQUANTIZE uint8 -> float32: reference kernel, exact as TFLM's double product (see
 * mf_dequantize_s8.c: |q - zero_point| < 2^9, so one float multiply rounds the same). */
#include "mcuforge/nn.h"

void mf_dequantize_u8(const mf_affine_params *p, const uint8_t *input, float *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = p->scale * (float)((int32_t)input[i] - p->zero_point);
    }
}
