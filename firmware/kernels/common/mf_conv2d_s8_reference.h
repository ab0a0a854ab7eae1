/*
 * Private to the kernels: the CONV_2D int8 reference algorithm (TFLM semantics), one body for
 * reference/mf_conv2d_s8.c and the MF_DSP_GENERIC path of dsp/mf_conv2d_s8.c.
 */
#ifndef MF_CONV2D_S8_REFERENCE_H
#define MF_CONV2D_S8_REFERENCE_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static inline void mf_conv2d_s8_reference(const mf_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
    const mf_conv_geometry *g = &p->geo;
    const int32_t groups = g->in_c / p->filter_c;
    const int32_t out_per_group = g->out_c / groups;
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const int32_t in_y0 = oy * g->stride_h - g->pad_top;
        for (int32_t ox = 0; ox < g->out_w; ++ox) {
            const int32_t in_x0 = ox * g->stride_w - g->pad_left;
            for (int32_t oc = 0; oc < g->out_c; ++oc) {
                const int32_t group = oc / out_per_group;
                const int8_t *w = p->filter + (size_t)oc * g->k_h * g->k_w * p->filter_c;
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
                        const int8_t *in = input + ((size_t)iy * g->in_w + ix) * g->in_c + group * p->filter_c;
                        const int8_t *wk = w + ((size_t)ky * g->k_w + kx) * p->filter_c;
                        for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                            acc += (in[ic] + p->input_offset) * wk[ic];
                        }
                    }
                }
                if (p->bias) {
                    acc += p->bias[oc];
                }
                acc = mf_mbqm(acc, p->out_mult[oc], p->out_shift[oc]) + p->output_offset;
                output[((size_t)oy * g->out_w + ox) * g->out_c + oc] =
                    (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
            }
        }
    }
}

#endif /* MF_CONV2D_S8_REFERENCE_H */
