/* AVERAGE_POOL_2D, int16: reference kernel. Padding cells are skipped: the average is over the cells
 * inside the image, rounded half away from zero as TFLM does ((sum +- n/2) / n, C division). */
#include "../common/mf_pool_window.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_AVGPOOL2D_S16_FINISH(dst, acc, n)                                             \
    ((dst) = (int16_t)mf_clamp_i32(mf_pool_average((acc), (n)), p->act_min, p->act_max))

void mf_avgpool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output)
{
    MF_POOL2D_LOOPS(p, input, output, int32_t, int32_t, 0, MF_POOL_SUM, MF_AVGPOOL2D_S16_FINISH);
}
