/* MAX_POOL_2D, float32: reference kernel. Padding cells are skipped; the running maximum starts at
 * -FLT_MAX (TFLM's numeric_limits<float>::lowest()), then the fused activation clamps. */
#include <float.h>

#include "mcuforge/nn.h"

void mf_maxpool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output)
{
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_top;
        const int32_t ky0 = y0 < 0 ? -y0 : 0;
        const int32_t ky1 = p->k_h < p->in_h - y0 ? p->k_h : p->in_h - y0;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_left;
            const int32_t kx0 = x0 < 0 ? -x0 : 0;
            const int32_t kx1 = p->k_w < p->in_w - x0 ? p->k_w : p->in_w - x0;
            for (int32_t c = 0; c < p->c; ++c) {
                float m = -FLT_MAX;
                for (int32_t ky = ky0; ky < ky1; ++ky) {
                    for (int32_t kx = kx0; kx < kx1; ++kx) {
                        const float v = input[((size_t)(y0 + ky) * p->in_w + (x0 + kx)) * p->c + c];
                        m = m < v ? v : m;
                    }
                }
                m = m < p->act_min ? p->act_min : m;
                m = p->act_max < m ? p->act_max : m;
                output[((size_t)oy * p->out_w + ox) * p->c + c] = m;
            }
        }
    }
}
