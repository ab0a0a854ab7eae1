/*
 * Private to the kernels: the FULLY_CONNECTED int8 reference algorithm (TFLM semantics,
 * double-rounding requantisation), one body for reference/mf_fully_connected_s8.c and the
 * MF_DSP_GENERIC path of dsp/mf_fully_connected_s8.c.
 */
#ifndef MF_FULLY_CONNECTED_S8_REFERENCE_H
#define MF_FULLY_CONNECTED_S8_REFERENCE_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static inline void mf_fully_connected_s8_reference(const mf_fully_connected_s8_params *p, const int8_t *input,
                                                   int8_t *output)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in = input + (size_t)b * p->in_depth;
        for (int32_t o = 0; o < p->out_depth; ++o) {
            const int8_t *w = p->filter + (size_t)o * p->in_depth;
            int32_t acc = 0;
            for (int32_t i = 0; i < p->in_depth; ++i) {
                acc += (in[i] + p->input_offset) * (w[i] + p->filter_offset);
            }
            if (p->bias) {
                acc += p->bias[o];
            }
            const int32_t k = p->n_mult > 1 ? o : 0;
            acc = mf_mbqm(acc, p->out_mult[k], p->out_shift[k]) + p->output_offset;
            output[(size_t)b * p->out_depth + o] = (int8_t)mf_clamp_i32(acc, p->act_min, p->act_max);
        }
    }
}

#endif /* MF_FULLY_CONNECTED_S8_REFERENCE_H */
