/* L2_POOL_2D, float32 (TFLM): sqrtf of the mean of the squares over the window cells inside the
 * image (sum in TFLM's order, divided by the float count), then the fused activation clamps. */
#include <math.h>

#include "mcuforge/nn.h"
#include "../common/mf_pool_window.h"

void mf_l2pool2d_f32(const mf_pool2d_f32_params *params, const float *input, float *output)
{
    const mf_conv_geometry *p = &params->geo;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const mf_pool_span y = mf_pool_span_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const mf_pool_span x = mf_pool_span_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
            const float n = (float)((y.k1 - y.k0) * (x.k1 - x.k0));
            for (int32_t c = 0; c < p->in_c; ++c) {
                float total = 0.0f;
                for (int32_t ky = y.k0; ky < y.k1; ++ky) {
                    for (int32_t kx = x.k0; kx < x.k1; ++kx) {
                        const float v = input[((size_t)(y.start + ky) * p->in_w + (x.start + kx)) * p->in_c + c];
                        total += v * v;
                    }
                }
                float v = sqrtf(total / n);
                v = v < params->act_min ? params->act_min : v;
                v = params->act_max < v ? params->act_max : v;
                output[((size_t)oy * p->out_w + ox) * p->in_c + c] = v;
            }
        }
    }
}
