/* TRANSPOSE_CONV, int8: (in + input_offset) * w summed in 32 bits (wrapping), plus the bias,
 * then the per-channel MBQM, the output offset and the clamp (TFLM's reference arithmetic). */
#include "../common/mf_transpose_conv_window.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_TRANSPOSE_CONV_S8_MAC(acc, x, w) ((acc) += (uint32_t)(((x) + p->input_offset) * (w)))
#define MF_TRANSPOSE_CONV_S8_FINISH(out, acc, oc)                                                        \
    do {                                                                                                 \
        if (p->bias) {                                                                                   \
            (acc) += (uint32_t)p->bias[oc];                                                              \
        }                                                                                                \
        const int32_t v = mf_mbqm((int32_t)(acc), p->out_mult[oc], p->out_shift[oc]) + p->output_offset; \
        *(out)++ = (int8_t)mf_clamp_i32(v, p->act_min, p->act_max);                                      \
    } while (0)

void mf_transpose_conv_s8(const mf_transpose_conv_s8_params *p, const int8_t *input, int8_t *output)
{
    MF_TRANSPOSE_CONV_LOOPS(p, input, output, int8_t, int8_t, uint32_t, MF_TRANSPOSE_CONV_S8_MAC,
                            MF_TRANSPOSE_CONV_S8_FINISH);
}
