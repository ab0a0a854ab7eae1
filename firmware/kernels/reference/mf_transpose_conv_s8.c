/* TRANSPOSE_CONV, int8: (in + input_offset) * w summed in 32 bits (wrapping), plus the bias,
 * then the per-channel MBQM, the output offset and the clamp (TFLM's reference arithmetic). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "../common/mf_transpose_conv_window.h"

void mf_transpose_conv_s8(const mf_transpose_conv_s8_params *p, const int8_t *input, int8_t *output)
{
    const size_t in_size = (size_t)p->in_h * (size_t)p->in_w * (size_t)p->in_c;
    for (int32_t b = 0; b < p->batches; ++b, input += in_size) {
        for (int32_t oy = 0; oy < p->out_h; ++oy) {
            const mf_tconv_span y = mf_tconv_span_at(oy, p->stride_h, p->pad_top, p->k_h, p->in_h);
            for (int32_t ox = 0; ox < p->out_w; ++ox) {
                const mf_tconv_span x = mf_tconv_span_at(ox, p->stride_w, p->pad_left, p->k_w, p->in_w);
                for (int32_t oc = 0; oc < p->out_c; ++oc) {
                    uint32_t acc = 0;
                    for (int32_t iy = y.first; iy <= y.last; ++iy) {
                        const int32_t ky = y.t - iy * p->stride_h;
                        for (int32_t ix = x.first; ix <= x.last; ++ix) {
                            const int32_t kx = x.t - ix * p->stride_w;
                            const int8_t *in = input + ((size_t)iy * (size_t)p->in_w + (size_t)ix) * (size_t)p->in_c;
                            const int8_t *w = p->filter + (((size_t)oc * (size_t)p->k_h + (size_t)ky) * (size_t)p->k_w
                                                          + (size_t)kx) * (size_t)p->in_c;
                            for (int32_t ic = 0; ic < p->in_c; ++ic) {
                                acc += (uint32_t)((in[ic] + p->input_offset) * w[ic]);
                            }
                        }
                    }
                    if (p->bias) {
                        acc += (uint32_t)p->bias[oc];
                    }
                    const int32_t v = mf_mbqm((int32_t)acc, p->out_mult[oc], p->out_shift[oc]) + p->output_offset;
                    *output++ = (int8_t)mf_clamp_i32(v, p->act_min, p->act_max);
                }
            }
        }
    }
}
