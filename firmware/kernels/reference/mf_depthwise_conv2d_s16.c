/* DEPTHWISE_CONV_2D, int16 activations, int8 per-channel weights ("int16x8"): reference kernel.
 * TFLM semantics: zero points are 0, the sum and the optional int64 bias are taken in 64 bits and
 * requantised by the 64-bit MBQM. Output channel oc = ic * depth_mult + m reads input channel ic. */
#include "../common/mf_conv_loops.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_DEPTHWISE_CONV2D_S16_MAC(acc, x, wt) \
    do {                                        \
        const int32_t v = (x);                  \
        const int32_t w = (wt);                 \
        (acc) += (int64_t)w * v;                \
    } while (0)
#define MF_DEPTHWISE_CONV2D_S16_FINISH(dst, acc, oc)                                \
    do {                                                                            \
        if (p->bias) {                                                              \
            (acc) += p->bias[oc];                                                   \
        }                                                                           \
        const int32_t scaled = mf_mbqm64((acc), p->out_mult[oc], p->out_shift[oc]); \
        (dst) = (int16_t)mf_clamp_i32(scaled, p->act_min, p->act_max);              \
    } while (0)

void mf_depthwise_conv2d_s16(const mf_depthwise_conv2d_s16_params *p, const int16_t *input, int16_t *output)
{
    MF_DEPTHWISE_CONV2D_LOOPS(p, input, output, int16_t, int64_t, MF_DEPTHWISE_CONV2D_S16_MAC,
                              MF_DEPTHWISE_CONV2D_S16_FINISH);
}
