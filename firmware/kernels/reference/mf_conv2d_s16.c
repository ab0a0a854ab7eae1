/* CONV_2D, int16 activations, int8 per-channel weights ("int16x8"): reference kernel.
 * TFLM semantics: no input/output offsets (zero points are 0). Without a bias or with an int64 bias
 * the sum is taken in 64 bits and requantised by the 64-bit MBQM; with TFLM's int32-bias variant
 * it is taken in 32 bits, wrapping, and requantised by the 32-bit MBQM. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_conv2d_s16(const mf_conv2d_s16_params *p, const int16_t *input, int16_t *output)
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
                        const int16_t *in = input + ((size_t)iy * g->in_w + ix) * g->in_c + group * p->filter_c;
                        const int8_t *wk = w + ((size_t)ky * g->k_w + kx) * p->filter_c;
                        for (int32_t ic = 0; ic < p->filter_c; ++ic) {
                            acc += (int32_t)wk[ic] * in[ic];
                        }
                    }
                }
                int32_t out;
                if (p->bias32) {
                    /* 32-bit accumulator: keep the low 32 bits, as TFLM's int32 sum would. */
                    const uint32_t acc32 = (uint32_t)acc + (uint32_t)p->bias32[oc];
                    out = mf_mbqm((int32_t)acc32, p->out_mult[oc], p->out_shift[oc]);
                } else {
                    if (p->bias) {
                        acc += p->bias[oc];
                    }
                    out = mf_mbqm64(acc, p->out_mult[oc], p->out_shift[oc]);
                }
                output[((size_t)oy * g->out_w + ox) * g->out_c + oc] =
                    (int16_t)mf_clamp_i32(out, p->act_min, p->act_max);
            }
        }
    }
}
