/* RESIZE_BILINEAR, float32: TFLM's weighted sum of the four neighbours, weights and product order as
 * TFLM computes them (the weights per output row and column come from the generator). */
#include "../common/mf_resize_bilinear.h"
#include "mcuforge/nn.h"

#define MF_RESIZE_BILINEAR_F32_STORE(out, v) (*(out)++ = (v) + 0.0f)

void mf_resize_bilinear_f32(const mf_resize_bilinear_f32_params *p, const float *input, float *output)
{
    MF_RESIZE_BILINEAR_BODY(float, float, MF_RESIZE_BILINEAR_F32_STORE);
}
