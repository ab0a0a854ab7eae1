/*
 * Private to the kernels: the AVERAGE_POOL_2D int8 reference algorithm, one body for
 * reference/mf_avgpool2d_s8.c and the generic path of dsp/mf_avgpool2d_s8.c. Padding cells are
 * skipped: the average is over the cells inside the image (mf_pool_window.h).
 */
#ifndef MF_AVGPOOL2D_S8_REFERENCE_H
#define MF_AVGPOOL2D_S8_REFERENCE_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "mf_pool_window.h"

#define MF_AVGPOOL2D_S8_FINISH(dst, acc, n) \
    ((dst) = (int8_t)mf_clamp_i32(mf_pool_average((acc), (n)), p->act_min, p->act_max))

static inline void mf_avgpool2d_s8_reference(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
{
    MF_POOL2D_LOOPS(p, input, output, int32_t, int32_t, 0, MF_POOL_SUM, MF_AVGPOOL2D_S8_FINISH);
}

#endif /* MF_AVGPOOL2D_S8_REFERENCE_H */
