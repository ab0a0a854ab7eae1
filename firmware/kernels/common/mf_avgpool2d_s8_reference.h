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

static inline void mf_avgpool2d_s8_reference(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
{
    const mf_conv_geometry *g = &p->geo;
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const mf_pool_span y = mf_pool_span_at(oy, g->stride_h, g->pad_top, g->k_h, g->in_h);
        for (int32_t ox = 0; ox < g->out_w; ++ox) {
            const mf_pool_span x = mf_pool_span_at(ox, g->stride_w, g->pad_left, g->k_w, g->in_w);
            const int32_t n = (y.k1 - y.k0) * (x.k1 - x.k0);
            for (int32_t c = 0; c < g->in_c; ++c) {
                int32_t acc = 0;
                for (int32_t ky = y.k0; ky < y.k1; ++ky) {
                    for (int32_t kx = x.k0; kx < x.k1; ++kx) {
                        acc += input[((size_t)(y.start + ky) * g->in_w + (x.start + kx)) * g->in_c + c];
                    }
                }
                output[((size_t)oy * g->out_w + ox) * g->in_c + c] =
                    (int8_t)mf_clamp_i32(mf_pool_average(acc, n), p->act_min, p->act_max);
            }
        }
    }
}

#endif /* MF_AVGPOOL2D_S8_REFERENCE_H */
