/*
 * Private to the kernels: the FULLY_CONNECTED int8 reference algorithm (TFLM semantics,
 * double-rounding requantisation), one body for reference/mf_fully_connected_s8.c and the
 * MF_DSP_GENERIC path of dsp/mf_fully_connected_s8.c; its loops are common/mf_fully_connected_loops.h's.
 */
#ifndef MF_FULLY_CONNECTED_S8_REFERENCE_H
#define MF_FULLY_CONNECTED_S8_REFERENCE_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "mf_fully_connected_loops.h"

/* acc += (x + input zero point) * (w + filter zero point) */
#define MF_FULLY_CONNECTED_S8_MAC(acc, x, w) ((acc) += ((x) + p->input_offset) * ((w) + p->filter_offset))
/* + bias, requantised (per channel or per tensor), + output zero point, clamped to the activation range */
#define MF_FULLY_CONNECTED_S8_FINISH(dst, acc, o)                                   \
    do {                                                                            \
        if (p->bias) {                                                              \
            (acc) += p->bias[o];                                                    \
        }                                                                           \
        const int32_t k = p->n_mult > 1 ? (o) : 0;                                  \
        (acc) = mf_mbqm((acc), p->out_mult[k], p->out_shift[k]) + p->output_offset; \
        (dst) = (int8_t)mf_clamp_i32((acc), p->act_min, p->act_max);                \
    } while (0)

static inline void mf_fully_connected_s8_reference(const mf_fully_connected_s8_params *p, const int8_t *input,
                                                   int8_t *output)
{
    MF_FULLY_CONNECTED_LOOPS(p, input, output, int8_t, int8_t, int32_t, MF_FULLY_CONNECTED_S8_MAC,
                             MF_FULLY_CONNECTED_S8_FINISH);
}

#endif /* MF_FULLY_CONNECTED_S8_REFERENCE_H */
