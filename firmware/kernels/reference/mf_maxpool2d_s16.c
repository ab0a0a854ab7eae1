/* MAX_POOL_2D, int16: reference kernel. Padding cells are skipped, not treated as values. */
#include "../common/mf_pool_window.h"
#include "mcuforge/nn.h"

#define MF_MAXPOOL2D_S16_FINISH(dst, m, n) MF_POOL_STORE_CLAMPED(int16_t, dst, m)

void mf_maxpool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output)
{
    MF_POOL2D_LOOPS(p, input, output, int32_t, int32_t, -32768, MF_POOL_KEEP_GREATER_I32, MF_MAXPOOL2D_S16_FINISH);
}
