/* QUANTIZE float32 -> int16: reference kernel (TFLM AffineQuantize: a float division, roundf). */
#include "../common/mf_affine_quantize.h"
#include "mcuforge/nn.h"

void mf_quantize_s16(const mf_affine_params *p, const float *input, int16_t *output)
{
    MF_AFFINE_QUANTIZE(p, input, output, int16_t, INT16_MIN, INT16_MAX);
}
