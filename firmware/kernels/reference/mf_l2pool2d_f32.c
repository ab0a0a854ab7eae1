/* L2_POOL_2D, float32 (TFLM): sqrtf of the mean of the squares over the window cells inside the
 * image (sum in TFLM's order, divided by the float count), then the fused activation clamps. */
#include <math.h>

#include "../common/mf_pool_window.h"
#include "mcuforge/nn.h"

#define MF_L2POOL2D_F32_ADD_SQUARE(total, x) \
    do {                                     \
        const float v = (x);                 \
        (total) += v * v;                    \
    } while (0)
#define MF_L2POOL2D_F32_FINISH(dst, total, n) MF_POOL_STORE_F32(dst, sqrtf((total) / (n)))

void mf_l2pool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output)
{
    MF_POOL2D_LOOPS(p, input, output, float, float, 0.0f, MF_L2POOL2D_F32_ADD_SQUARE, MF_L2POOL2D_F32_FINISH);
}
