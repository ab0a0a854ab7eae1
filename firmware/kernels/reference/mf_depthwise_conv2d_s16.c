/* DEPTHWISE_CONV_2D, int16 activations, int8 per-channel weights ("int16x8"): reference kernel.
 * TFLM semantics: zero points are 0, the sum and the optional int64 bias are taken in 64 bits and
 * requantised by the 64-bit MBQM. Output channel oc = ic * depth_mult + m reads input channel ic. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_depthwise_conv2d_s16(const mf_depthwise_conv2d_s16_params *p, const int16_t *input, int16_t *output)
{
    const int32_t out_c = p->in_c * p->depth_mult;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_top;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_x0 = ox * p->stride_w - p->pad_left;
            int16_t *out = output + ((size_t)oy * p->out_w + ox) * out_c;
            for (int32_t ic = 0; ic < p->in_c; ++ic) {
                for (int32_t m = 0; m < p->depth_mult; ++m) {
                    const int32_t oc = ic * p->depth_mult + m;
                    int64_t acc = 0;
                    for (int32_t ky = 0; ky < p->k_h; ++ky) {
                        const int32_t iy = in_y0 + p->dil_h * ky;
                        if (iy < 0 || iy >= p->in_h) {
                            continue;
                        }
                        for (int32_t kx = 0; kx < p->k_w; ++kx) {
                            const int32_t ix = in_x0 + p->dil_w * kx;
                            if (ix < 0 || ix >= p->in_w) {
                                continue;
                            }
                            const int32_t v = input[((size_t)iy * p->in_w + ix) * p->in_c + ic];
                            const int32_t w = p->filter[((size_t)ky * p->k_w + kx) * out_c + oc];
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
