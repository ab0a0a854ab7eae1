/* CONV_2D, float32: reference kernel (TFLM semantics: same summation order, bias added last). */
#include "mcuforge/nn.h"

void mf_conv2d_f32(const mf_conv2d_f32_params *p, const float *input, float *output)
{
    const int32_t groups = p->in_c / p->filter_c;
    const int32_t out_per_group = p->out_c / groups;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_top;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_x0 = ox * p->stride_w - p->pad_left;
            for (int32_t oc = 0; oc < p->out_c; ++oc) {
                const int32_t group = oc / out_per_group;
                const float *w = p->filter + (size_t)oc * p->k_h * p->k_w * p->filter_c;
                float total = 0.0f;
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
                        const float *in = input + ((size_t)iy * p->in_w + ix) * p->in_c + group * p->filter_c;
                        const float *wk = w + ((size_t)ky * p->k_w + kx) * p->filter_c;
                        for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                            total += in[ic] * wk[ic];
                        }
                    }
                }
                float v = total + (p->bias ? p->bias[oc] : 0.0f);
                v = v < p->act_min ? p->act_min : v;
                v = p->act_max < v ? p->act_max : v;
                output[((size_t)oy * p->out_w + ox) * p->out_c + oc] = v;
            }
        }
    }
}
