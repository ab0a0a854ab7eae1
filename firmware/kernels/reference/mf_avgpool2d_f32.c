/* AVERAGE_POOL_2D, float32: reference kernel. The average is over the cells inside the image
 * (float sum in TFLM's order, divided by the float count), then the fused activation clamps. */
#include "mcuforge/nn.h"
#include "../common/mf_pool_window.h"

void mf_avgpool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output)
{
    const mf_conv_geometry *g = &p->geo;
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const mf_pool_span y = mf_pool_span_at(oy, g->stride_h, g->pad_top, g->k_h, g->in_h);
        for (int32_t ox = 0; ox < g->out_w; ++ox) {
            const mf_pool_span x = mf_pool_span_at(ox, g->stride_w, g->pad_left, g->k_w, g->in_w);
            const float n = (float)((y.k1 - y.k0) * (x.k1 - x.k0));
            for (int32_t c = 0; c < g->in_c; ++c) {
                float total = 0.0f;
                for (int32_t ky = y.k0; ky < y.k1; ++ky) {
                    for (int32_t kx = x.k0; kx < x.k1; ++kx) {
                        total += input[((size_t)(y.start + ky) * g->in_w + (x.start + kx)) * g->in_c + c];
                    }
                }
                float v = total / n;
                v = v < p->act_min ? p->act_min : v;
                v = p->act_max < v ? p->act_max : v;
                output[((size_t)oy * g->out_w + ox) * g->in_c + c] = v;
            }
        }
    }
}
