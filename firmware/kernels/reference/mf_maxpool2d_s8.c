/* MAX_POOL_2D, int8: reference kernel. Padding cells are skipped, not treated as values. */
#include "../common/mf_pool_window.h"
#include "mcuforge/nn.h"

#define MF_MAXPOOL2D_S8_FINISH(dst, m, n) MF_POOL_STORE_CLAMPED(int8_t, dst, m)

void mf_maxpool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
{
    MF_POOL2D_LOOPS(p, input, output, int32_t, int32_t, -128, MF_POOL_KEEP_GREATER_I32, MF_MAXPOOL2D_S8_FINISH);
}
