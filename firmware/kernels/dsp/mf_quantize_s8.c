/* QUANTIZE float32 -> int8: DSP-variant kernel. TFLM computes zero_point + round(x / scale) with a
 * float32 division and std::round (halves away from zero), then saturates. The division stays a
 * division (VDIV; a product with the reciprocal differs for some inputs); the rounding is exact
 * integer arithmetic on y = trunc(2 * q), q = x / scale, which one VCVT to fixed point gives:
 *   round(q) = (y + [y >= 0]) >> 1    (floor division; q >= 0: floor((floor(2q) + 1) / 2);
 *                                     q < 0, y = ceil(2q): -floor((1 - y) / 2) = floor(y / 2))
 * so out = SSAT8((y + (y >> 31) + 2 * zero_point + 1) >> 1). The conversion saturates y to 16 bits,
 * which keeps the sum within 32 bits and changes no output (|q| >= 2^14 saturates either way).
 * Infinities saturate and NaN gives the zero point (TFLM's float-to-int conversion is undefined for
 * them and for |q| >= 2^31). Output byte i is written after input i is read (in place). */
#include "mcuforge/dsp.h"
#include "mcuforge/nn.h"

static inline int8_t quantize(float x, float scale, int32_t k)
{
    const int32_t y = mf_f32_trunc2_s16(x / scale);
    return (int8_t)mf_ssat8_half(y + (y >> 31) + k);
}

void mf_quantize_s8(const mf_affine_params *p, const float *input, int8_t *output)
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
