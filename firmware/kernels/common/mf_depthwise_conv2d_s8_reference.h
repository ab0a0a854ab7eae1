/*
 * Private to the kernels: the DEPTHWISE_CONV_2D int8 reference algorithm (TFLM semantics), one body
 * for reference/mf_depthwise_conv2d_s8.c and the MF_DSP_GENERIC path of dsp/mf_depthwise_conv2d_s8.c.
 * Output channel oc = ic * depth_mult + m reads input channel ic.
 */
#ifndef MF_DEPTHWISE_CONV2D_S8_REFERENCE_H
#define MF_DEPTHWISE_CONV2D_S8_REFERENCE_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static inline void mf_depthwise_conv2d_s8_reference(const mf_depthwise_conv2d_s8_params *p, const int8_t *input,
                                                    int8_t *output)
{
    const mf_conv_geometry *g = &p->geo;
    const int32_t out_c = g->out_c, depth_mult = out_c / g->in_c;
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const int32_t in_y0 = oy * g->stride_h - g->pad_top;
        for (int32_t ox = 0; ox < g->out_w; ++ox) {
            const int32_t in_x0 = ox * g->stride_w - g->pad_left;
            int8_t *out = output + ((size_t)oy * g->out_w + ox) * out_c;
            for (int32_t ic = 0; ic < g->in_c; ++ic) {
                for (int32_t m = 0; m < depth_mult; ++m) {
                    const int32_t oc = ic * depth_mult + m;
                    int32_t acc = 0;
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
                            acc += w * (v + p->input_offset);
                        }
                    }
                    if (p->bias) {
                        acc += p->bias[oc];
                    }
                    acc = mf_mbqm(acc, p->out_mult[oc], p->out_shift[oc]) + p->output_offset;
                    out[oc] = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
                }
            }
        }
    }
}

#endif /* MF_DEPTHWISE_CONV2D_S8_REFERENCE_H */
