/* TRANSPOSE_CONV, float32: in * w summed from 0.0f in TFLM's order (input row, column, channel),
 * plus the bias, then the activation clamp. */
#include "../common/mf_transpose_conv_window.h"
#include "mcuforge/nn.h"

#define MF_TRANSPOSE_CONV_F32_MAC(acc, x, w) ((acc) += (x) * (w))
#define MF_TRANSPOSE_CONV_F32_FINISH(out, acc, oc)       \
    do {                                                 \
        if (p->bias) {                                   \
            (acc) += p->bias[oc];                        \
        }                                                \
        (acc) = (acc) < p->act_min ? p->act_min : (acc); \
        (acc) = p->act_max < (acc) ? p->act_max : (acc); \
        *(out)++ = (acc);                                \
    } while (0)

void mf_transpose_conv_f32(const mf_transpose_conv_f32_params *p, const float *input, float *output)
{
    MF_TRANSPOSE_CONV_LOOPS(p, input, output, float, float, float, MF_TRANSPOSE_CONV_F32_MAC,
                            MF_TRANSPOSE_CONV_F32_FINISH);
}
