/* TRANSPOSE_CONV, int16x8: in * w summed in 64 bits plus the int64 bias, then TFLM's 64-bit
 * per-channel MBQM and the clamp (zero points 0). */
#include "../common/mf_transpose_conv_window.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_TRANSPOSE_CONV_S16_MAC(acc, x, w) ((acc) += (uint64_t)(int64_t)((x) * (w)))
#define MF_TRANSPOSE_CONV_S16_FINISH(out, acc, oc)                                      \
    do {                                                                                \
        if (p->bias) {                                                                  \
            (acc) += (uint64_t)p->bias[oc];                                             \
        }                                                                               \
        const int32_t v = mf_mbqm64((int64_t)(acc), p->out_mult[oc], p->out_shift[oc]); \
        *(out)++ = (int16_t)mf_clamp_i32(v, p->act_min, p->act_max);                    \
    } while (0)

void mf_transpose_conv_s16(const mf_transpose_conv_s16_params *p, const int16_t *input, int16_t *output)
{
    MF_TRANSPOSE_CONV_LOOPS(p, input, output, int16_t, int8_t, uint64_t, MF_TRANSPOSE_CONV_S16_MAC,
                            MF_TRANSPOSE_CONV_S16_FINISH);
}
