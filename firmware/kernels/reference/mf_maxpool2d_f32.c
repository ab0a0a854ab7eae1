/* MAX_POOL_2D, float32: reference kernel. Padding cells are skipped; the running maximum starts at
 * -FLT_MAX (TFLM's numeric_limits<float>::lowest()), then the fused activation clamps. */
#include <float.h>

#include "../common/mf_pool_window.h"
#include "mcuforge/nn.h"

#define MF_MAXPOOL2D_F32_KEEP_GREATER(m, x) \
    do {                                    \
        const float v = (x);                \
        (m) = (m) < v ? v : (m);            \
    } while (0)
#define MF_MAXPOOL2D_F32_FINISH(dst, m, n) MF_POOL_STORE_F32(dst, (m))

void mf_maxpool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output)
{
    MF_POOL2D_LOOPS(p, input, output, int32_t, float, -FLT_MAX, MF_MAXPOOL2D_F32_KEEP_GREATER, MF_MAXPOOL2D_F32_FINISH);
}
