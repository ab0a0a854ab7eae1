/* AVERAGE_POOL_2D, float32: reference kernel. The average is over the cells inside the image
 * (float sum in TFLM's order, divided by the float count), then the fused activation clamps. */
#include "mcuforge/nn.h"

void mf_avgpool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output)
{
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_top;
        const int32_t ky0 = y0 < 0 ? -y0 : 0;
        const int32_t ky1 = p->k_h < p->in_h - y0 ? p->k_h : p->in_h - y0;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_left;
            const int32_t kx0 = x0 < 0 ? -x0 : 0;
            const int32_t kx1 = p->k_w < p->in_w - x0 ? p->k_w : p->in_w - x0;
            const float n = (float)((ky1 - ky0) * (kx1 - kx0));
            for (int32_t c = 0; c < p->c; ++c) {
                float total = 0.0f;
                for (int32_t ky = ky0; ky < ky1; ++ky) {
                    for (int32_t kx = kx0; kx < kx1; ++kx) {
                        total += input[((size_t)(y0 + ky) * p->in_w + (x0 + kx)) * p->c + c];
                    }
                }
                float v = total / n;
                v = v < p->act_min ? p->act_min : v;
                v = p->act_max < v ? p->act_max : v;
                output[((size_t)oy * p->out_w + ox) * p->c + c] = v;
            }
        }
    }
}
