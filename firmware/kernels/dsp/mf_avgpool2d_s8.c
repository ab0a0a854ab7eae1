/* AVERAGE_POOL_2D, int8: DSP-extension kernel. With c % 4 == 0 and at most 255 cells per window,
 * four channels are summed at a time in 16-bit lanes (SXTAB16: |sum| <= 255 * 128 fits), then divided
 * as the reference does (padding cells skipped, rounding half away from zero). Other shapes take the
 * reference algorithm. */
#include "mcuforge/dsp.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static int8_t average(int32_t acc, int32_t n, int32_t act_min, int32_t act_max)
{
    acc = acc > 0 ? (acc + n / 2) / n : (acc - n / 2) / n;
    return (int8_t)mf_clamp_i32(acc, act_min, act_max);
}

static void pool_generic(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
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
                output[((size_t)oy * p->out_w + ox) * p->c + c] = average(acc, n, p->act_min, p->act_max);
            }
        }
    }
}

void mf_avgpool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
{
    if (p->c % 4 != 0 || p->k_h * p->k_w > 255) {
        pool_generic(p, input, output);
        return;
    }
    const int32_t row = p->in_w * p->c;
    int8_t *out = output;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t y0 = oy * p->stride_h - p->pad_top;
        const int32_t ky0 = mf_max_i32(0, -y0);
        const int32_t ky1 = mf_min_i32(p->k_h, p->in_h - y0);
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t x0 = ox * p->stride_w - p->pad_left;
            const int32_t kx0 = mf_max_i32(0, -x0);
            const int32_t kx1 = mf_min_i32(p->k_w, p->in_w - x0);
            const int32_t n = (ky1 - ky0) * (kx1 - kx0);
            const int8_t *corner = input + ((size_t)(y0 + ky0) * p->in_w + (x0 + kx0)) * p->c;
            for (int32_t g = 0; g < p->c; g += 4, out += 4) {
                int32_t even = 0, odd = 0; /* lanes: channels (g, g + 2) and (g + 1, g + 3) */
                const int8_t *r = corner + g;
                for (int32_t ky = ky0; ky < ky1; ++ky, r += row) {
                    const int8_t *x = r;
                    for (int32_t kx = kx0; kx < kx1; ++kx, x += p->c) {
                        const uint32_t v = mf_read32(x);
                        even = mf_sxtab16(even, v);
                        odd = mf_sxtab16_ror8(odd, v);
                    }
                }
                out[0] = average((int16_t)(uint16_t)((uint32_t)even & 0xFFFFu), n, p->act_min, p->act_max);
                out[1] = average((int16_t)(uint16_t)((uint32_t)odd & 0xFFFFu), n, p->act_min, p->act_max);
                out[2] = average((int16_t)(uint16_t)((uint32_t)even >> 16), n, p->act_min, p->act_max);
                out[3] = average((int16_t)(uint16_t)((uint32_t)odd >> 16), n, p->act_min, p->act_max);
            }
        }
    }
}
