/* DEPTHWISE_CONV_2D, int8 activations, int8 per-channel weights: reference kernel (TFLM semantics).
 * The algorithm is common/mf_depthwise_conv2d_s8_reference.h, shared with the dsp kernel's generic
 * path; this kernel is that function itself, by alias (a wrapper calling it compiles the loops less
 * well). */
#include "../common/mf_depthwise_conv2d_s8_reference.h"

void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int8_t *output)
    __attribute__((alias("mf_depthwise_conv2d_s8_reference")));
