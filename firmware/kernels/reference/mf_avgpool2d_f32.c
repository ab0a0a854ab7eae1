/* AVERAGE_POOL_2D, float32: reference kernel. The average is over the cells inside the image
 * (float sum in TFLM's order, divided by the float count), then the fused activation clamps. */
#include "../common/mf_pool_window.h"
#include "mcuforge/nn.h"

#define MF_AVGPOOL2D_F32_ADD(total, x) ((total) += (x))
#define MF_AVGPOOL2D_F32_FINISH(dst, total, n) MF_POOL_STORE_F32(dst, (total) / (n))

void mf_avgpool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output)
{
    MF_POOL2D_LOOPS(p, input, output, float, float, 0.0f, MF_AVGPOOL2D_F32_ADD, MF_AVGPOOL2D_F32_FINISH);
}
