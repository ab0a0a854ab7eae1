/* MAX_POOL_2D, int16: reference kernel. Padding cells are skipped, not treated as values. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "../common/mf_pool_window.h"

void mf_maxpool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output)
{
    const mf_conv_geometry *g = &p->geo;
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const mf_pool_span y = mf_pool_span_at(oy, g->stride_h, g->pad_top, g->k_h, g->in_h);
        for (int32_t ox = 0; ox < g->out_w; ++ox) {
            const mf_pool_span x = mf_pool_span_at(ox, g->stride_w, g->pad_left, g->k_w, g->in_w);
            for (int32_t c = 0; c < g->in_c; ++c) {
                int32_t m = -32768;
                for (int32_t ky = y.k0; ky < y.k1; ++ky) {
                    for (int32_t kx = x.k0; kx < x.k1; ++kx) {
                        const int32_t v = input[((size_t)(y.start + ky) * g->in_w + (x.start + kx)) * g->in_c + c];
                        m = v > m ? v : m;
                    }
                }
                output[((size_t)oy * g->out_w + ox) * g->in_c + c] = (int16_t)mf_clamp_i32(m, p->act_min, p->act_max);
            }
        }
    }
}
