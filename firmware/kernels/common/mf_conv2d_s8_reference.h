/*
 * Private to the kernels: the CONV_2D int8 reference algorithm (TFLM semantics), one body for
 * reference/mf_conv2d_s8.c and the MF_DSP_GENERIC path of dsp/mf_conv2d_s8.c; its loops are
 * common/mf_conv_loops.h's.
 */
#ifndef MF_CONV2D_S8_REFERENCE_H
#define MF_CONV2D_S8_REFERENCE_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "mf_conv_loops.h"

/* acc += (x + input zero point) * w */
#define MF_CONV2D_S8_MAC(acc, x, w) ((acc) += ((x) + p->input_offset) * (w))

static inline void mf_conv2d_s8_reference(const mf_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
    MF_CONV2D_LOOPS(p, input, output, int8_t, int8_t, int32_t, MF_CONV2D_S8_MAC, MF_CONV_FINISH_S8);
}

#endif /* MF_CONV2D_S8_REFERENCE_H */
