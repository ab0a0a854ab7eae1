/* DEPTHWISE_CONV_2D, float32: reference kernel (TFLM semantics: same summation order, bias last).
 * Output channel oc = ic * depth_mult + m reads input channel ic. */
#include "mcuforge/nn.h"

void mf_depthwise_conv2d_f32(const mf_depthwise_conv2d_f32_params *p, const float *input, float *output)
{
    const mf_conv_geometry *g = &p->geo;
    const int32_t out_c = g->out_c, depth_mult = out_c / g->in_c;
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const int32_t in_y0 = oy * g->stride_h - g->pad_top;
        for (int32_t ox = 0; ox < g->out_w; ++ox) {
            const int32_t in_x0 = ox * g->stride_w - g->pad_left;
            float *out = output + ((size_t)oy * g->out_w + ox) * out_c;
            for (int32_t ic = 0; ic < g->in_c; ++ic) {
                for (int32_t m = 0; m < depth_mult; ++m) {
                    const int32_t oc = ic * depth_mult + m;
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
                            total += input[((size_t)iy * g->in_w + ix) * g->in_c + ic] *
                                     p->filter[((size_t)ky * g->k_w + kx) * out_c + oc];
                        }
                    }
                    float v = total + (p->bias ? p->bias[oc] : 0.0f);
                    v = v < p->act_min ? p->act_min : v;
                    v = p->act_max < v ? p->act_max : v;
                    out[oc] = v;
                }
            }
        }
    }
}
