/* QUANTIZE float32 -> int8: reference kernel (TFLM AffineQuantize: a float division, roundf). */
#include "../common/mf_affine_quantize.h"
#include "mcuforge/nn.h"

void mf_quantize_s8(const mf_affine_params *p, const float *input, int8_t *output)
{
    MF_AFFINE_QUANTIZE(p, input, output, int8_t, INT8_MIN, INT8_MAX);
}
