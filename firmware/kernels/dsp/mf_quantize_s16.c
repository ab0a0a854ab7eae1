/* QUANTIZE float32 -> int16: DSP-variant kernel, the rounding of mf_quantize_s8.c (dsp): with
 * y = trunc(2 * x / scale), out = SSAT16((y + (y >> 31) + 2 * zero_point + 1) >> 1). Here y is
 * saturated to 24 bits after the conversion (|q| >= 2^22 saturates int16 either way). Infinities
 * saturate, NaN gives the zero point. Output element i is written after input i is read. */
#include "mcuforge/dsp.h"
#include "mcuforge/nn.h"

static inline int16_t quantize(float x, float scale, int32_t k)
{
    const int32_t y = mf_ssat24(mf_f32_trunc2(x / scale));
    return (int16_t)mf_ssat16_half(y + (y >> 31) + k);
}

void mf_quantize_s16(const mf_affine_params *p, const float *input, int16_t *output)
{
    const float scale = p->scale;
    const int32_t k = 2 * p->zero_point + 1;
    const int32_t n = p->size;
    int32_t i = 0;
    for (; i + 4 <= n; i += 4) {
        output[i] = quantize(input[i], scale, k);
        output[i + 1] = quantize(input[i + 1], scale, k);
        output[i + 2] = quantize(input[i + 2], scale, k);
        output[i + 3] = quantize(input[i + 3], scale, k);
    }
    for (; i < n; ++i) {
        output[i] = quantize(input[i], scale, k);
    }
}
