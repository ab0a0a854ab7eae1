/* DEPTHWISE_CONV_2D, int16 activations, int8 per-channel weights ("int16x8"): reference kernel.
 * TFLM semantics: zero points are 0, the sum and the optional int64 bias are taken in 64 bits and
 * requantised by the 64-bit MBQM. Output channel oc = ic * depth_mult + m reads input channel ic. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_depthwise_conv2d_s16(const mf_depthwise_conv2d_s16_params *p, const int16_t *input, int16_t *output)
{
    const mf_conv_geometry *g = &p->geo;
    const int32_t out_c = g->out_c, depth_mult = out_c / g->in_c;
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const int32_t in_y0 = oy * g->stride_h - g->pad_top;
        for (int32_t ox = 0; ox < g->out_w; ++ox) {
            const int32_t in_x0 = ox * g->stride_w - g->pad_left;
            int16_t *out = output + ((size_t)oy * g->out_w + ox) * out_c;
            for (int32_t ic = 0; ic < g->in_c; ++ic) {
                for (int32_t m = 0; m < depth_mult; ++m) {
                    const int32_t oc = ic * depth_mult + m;
                    int64_t acc = 0;
                    for (int32_t ky = 0; ky < g->k_h; ++ky) {
                        const int32_t iy = in_y0 + g->dil_h * ky;
                        if (iy < 0 || iy >= g->in_h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < g->k_w; ++kx) {
                            const int32_t ix = in_x0 + g->dil_w * kx;
                            if (ix < 0 || ix >= g->in_w) {
                                continue;
                            }
                            const int32_t v = input[((size_t)iy * g->in_w + ix) * g->in_c + ic];
                            const int32_t w = p->filter[((size_t)ky * g->k_w + kx) * out_c + oc];
                            acc += (int64_t)w * v;
                        }
                    }
                    if (p->bias) {
                        acc += p->bias[oc];
                    }
                    const int32_t scaled = mf_mbqm64(acc, p->out_mult[oc], p->out_shift[oc]);
                    out[oc] = (int16_t)mf_clamp_i32(scaled, p->act_min, p->act_max);
                }
            }
        }
    }
}
