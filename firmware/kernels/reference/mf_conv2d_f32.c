/* CONV_2D, float32: reference kernel (TFLM semantics: same summation order, bias added last). */
#include "mcuforge/nn.h"

void mf_conv2d_f32(const mf_conv2d_f32_params *p, const float *input, float *output)
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
                const float *w = p->filter + (size_t)oc * g->k_h * g->k_w * p->filter_c;
                float total = 0.0f;
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
                        const float *in = input + ((size_t)iy * g->in_w + ix) * g->in_c + group * p->filter_c;
                        const float *wk = w + ((size_t)ky * g->k_w + kx) * p->filter_c;
                        for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                            total += in[ic] * wk[ic];
                        }
                    }
                }
                float v = total + (p->bias ? p->bias[oc] : 0.0f);
                v = v < p->act_min ? p->act_min : v;
                v = p->act_max < v ? p->act_max : v;
                output[((size_t)oy * g->out_w + ox) * g->out_c + oc] = v;
            }
        }
    }
}
