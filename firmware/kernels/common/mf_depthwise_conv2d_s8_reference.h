/*
 * Private to the kernels: the DEPTHWISE_CONV_2D int8 reference algorithm (TFLM semantics), one body
 * for reference/mf_depthwise_conv2d_s8.c and the MF_DSP_GENERIC path of dsp/mf_depthwise_conv2d_s8.c;
 * its loops are common/mf_conv_loops.h's. Output channel oc = ic * depth_mult + m reads input channel ic.
 */
#ifndef MF_DEPTHWISE_CONV2D_S8_REFERENCE_H
#define MF_DEPTHWISE_CONV2D_S8_REFERENCE_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "mf_conv_loops.h"

/* acc += w * (x + input zero point) */
#define MF_DEPTHWISE_CONV2D_S8_MAC(acc, x, wt) \
    do {                                       \
        const int32_t v = (x);                 \
        const int32_t w = (wt);                \
        (acc) += w * (v + p->input_offset);    \
    } while (0)

static inline void mf_depthwise_conv2d_s8_reference(const mf_depthwise_conv2d_s8_params *p, const int8_t *input,
                                                    int8_t *output)
{
    MF_DEPTHWISE_CONV2D_LOOPS(p, input, output, int8_t, int32_t, MF_DEPTHWISE_CONV2D_S8_MAC,
                              MF_CONV_FINISH_S8);
}

#endif /* MF_DEPTHWISE_CONV2D_S8_REFERENCE_H */
