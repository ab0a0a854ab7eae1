/* AVERAGE_POOL_2D, int16: reference kernel. Padding cells are skipped: the average is over the cells
 * inside the image, rounded half away from zero as TFLM does ((sum +- n/2) / n, C division). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_avgpool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_top;
        const int32_t ky0 = mf_max_i32(0, -y0);
        const int32_t ky1 = mf_min_i32(p->k_h, p->in_h - y0);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_left;
            const int32_t kx0 = mf_max_i32(0, -x0);
            const int32_t kx1 = mf_min_i32(p->k_w, p->in_w - x0);
            const int32_t n = (ky1 - ky0) * (kx1 - kx0);
            for (int32_t c = 0; c < p->c; ++c) {
                int32_t acc = 0;
                for (int32_t ky = ky0; ky < ky1; ++ky) {
                    for (int32_t kx = kx0; kx < kx1; ++kx) {
                        acc += input[((size_t)(y0 + ky) * p->in_w + (x0 + kx)) * p->c + c];
                    }
                }
                acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
                output[((size_t)oy * p->out_w + ox) * p->c + c] = (int16_t)mf_clamp_i32(acc, p->act_min, p->act_max);
            }
        }
    }
}
