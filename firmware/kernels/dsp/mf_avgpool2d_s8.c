/* AVERAGE_POOL_2D, int8: DSP-extension kernel. With c % 4 == 0 and at most 255 cells per window,
 * four channels are summed at a time in 16-bit lanes (SXTAB16: |sum| <= 255 * 128 fits), then divided
 * as the reference does (padding cells skipped, rounding half away from zero). Other shapes take the
 * reference algorithm. */
#include "mcuforge/dsp.h"
#include "../common/mf_avgpool2d_s8_reference.h"

static int8_t average(int32_t acc, int32_t n, int32_t act_min, int32_t act_max)
{
    return (int8_t)mf_clamp_i32(mf_pool_average(acc, n), act_min, act_max);
}

void mf_avgpool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
{
    if (p->geo.in_c % 4 != 0 || p->geo.k_h * p->geo.k_w > 255) {
        mf_avgpool2d_s8_reference(p, input, output);
        return;
    }
    const int32_t row = p->geo.in_w * p->geo.in_c;
    int8_t *out = output;
    for (int32_t oy = 0; oy < p->geo.out_h; ++oy) {
        const mf_pool_span y = mf_pool_span_at(oy, p->geo.stride_h, p->geo.pad_top, p->geo.k_h, p->geo.in_h);
        for (int32_t ox = 0; ox < p->geo.out_w; ++ox) {
            const mf_pool_span x = mf_pool_span_at(ox, p->geo.stride_w, p->geo.pad_left, p->geo.k_w, p->geo.in_w);
            const int32_t n = (y.k1 - y.k0) * (x.k1 - x.k0);
            const int8_t *corner = input + ((size_t)(y.start + y.k0) * p->geo.in_w + (x.start + x.k0)) * p->geo.in_c;
            for (int32_t g = 0; g < p->geo.in_c; g += 4, out += 4) {
                int32_t even = 0, odd = 0; /* lanes: channels (g, g + 2) and (g + 1, g + 3) */
                const int8_t *r = corner + g;
                for (int32_t ky = y.k0; ky < y.k1; ++ky, r += row) {
                    const int8_t *cell = r;
                    for (int32_t kx = x.k0; kx < x.k1; ++kx, cell += p->geo.in_c) {
                        const uint32_t v = mf_read32(cell);
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
