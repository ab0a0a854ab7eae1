/* FULLY_CONNECTED, int16 activations, int8 weights ("int16x8"): reference kernel.
 * TFLM semantics: zero points of input and output are 0; the sum and the optional int64 bias are
 * taken in 64 bits and requantised by the 64-bit MBQM. */
#include "../common/mf_fully_connected_loops.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_FULLY_CONNECTED_S16_MAC(acc, x, w) ((acc) += ((w) + p->filter_offset) * (x))
#define MF_FULLY_CONNECTED_S16_FINISH(dst, acc, o)                                \
    do {                                                                          \
        if (p->bias) {                                                            \
            (acc) += p->bias[o];                                                  \
        }                                                                         \
        const int32_t k = p->n_mult > 1 ? (o) : 0;                                \
        const int32_t scaled = mf_mbqm64((acc), p->out_mult[k], p->out_shift[k]); \
        (dst) = (int16_t)mf_clamp_i32(scaled, p->act_min, p->act_max);            \
    } while (0)

void mf_fully_connected_s16(const mf_fully_connected_s16_params *p, const int16_t *input, int16_t *output)
{
    MF_FULLY_CONNECTED_LOOPS(p, input, output, int16_t, int8_t, int64_t, MF_FULLY_CONNECTED_S16_MAC,
                             MF_FULLY_CONNECTED_S16_FINISH);
}
