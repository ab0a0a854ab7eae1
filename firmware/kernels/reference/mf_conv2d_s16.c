/* CONV_2D, int16 activations, int8 per-channel weights ("int16x8"): reference kernel.
 * TFLM semantics: no input/output offsets (zero points are 0). Without a bias or with an int64 bias
 * the sum is taken in 64 bits and requantised by the 64-bit MBQM; with TFLM's int32-bias variant
 * it is taken in 32 bits, wrapping, and requantised by the 32-bit MBQM. */
#include "../common/mf_conv_loops.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_CONV2D_S16_MAC(acc, x, w) ((acc) += (int32_t)(w) * (x))
#define MF_CONV2D_S16_FINISH(dst, acc, oc)                                             \
    do {                                                                               \
        int32_t out;                                                                   \
        if (p->bias32) {                                                               \
            /* 32-bit accumulator: keep the low 32 bits, as TFLM's int32 sum would. */ \
            const uint32_t acc32 = (uint32_t)(acc) + (uint32_t)p->bias32[oc];          \
            out = mf_mbqm((int32_t)acc32, p->out_mult[oc], p->out_shift[oc]);          \
        } else {                                                                       \
            if (p->bias) {                                                             \
                (acc) += p->bias[oc];                                                  \
            }                                                                          \
            out = mf_mbqm64((acc), p->out_mult[oc], p->out_shift[oc]);                 \
        }                                                                              \
        (dst) = (int16_t)mf_clamp_i32(out, p->act_min, p->act_max);                    \
    } while (0)

void mf_conv2d_s16(const mf_conv2d_s16_params *p, const int16_t *input, int16_t *output)
{
    MF_CONV2D_LOOPS(p, input, output, int16_t, int8_t, int64_t, MF_CONV2D_S16_MAC, MF_CONV2D_S16_FINISH);
}
