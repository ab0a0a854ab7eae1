/* DEPTHWISE_CONV_2D, int8 activations, int8 per-channel weights: reference kernel (TFLM semantics).
 * The algorithm is common/mf_depthwise_conv2d_s8_reference.h, shared with the dsp kernel's generic
 * path; this kernel is that function itself, by alias (a wrapper calling it compiles the loops less
 * well). */
#include "../common/mf_depthwise_conv2d_s8_reference.h"

/* Reads the plain weight fields, which the dsp layout (also the mve build's for this kernel) leaves NULL:
 * never in a build of the dsp or mve kernels.
 * (The same guard stands in each int8 reference kernel on purpose: each names its own file.) */
#if defined(MF_KERNELS_DSP)
#error "kernels/reference/mf_depthwise_conv2d_s8.c reads the reference parameter layout, but this build compiles the dsp kernels (MF_KERNELS_DSP), whose layout leaves its weights NULL: compile kernels/dsp/mf_depthwise_conv2d_s8.c instead"
#elif defined(MF_KERNELS_MVE)
#error "kernels/reference/mf_depthwise_conv2d_s8.c reads the reference parameter layout, but this build compiles the mve kernels (MF_KERNELS_MVE), whose layout leaves its weights NULL: compile kernels/dsp/mf_depthwise_conv2d_s8.c instead"
#endif

void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int8_t *output)
    __attribute__((alias("mf_depthwise_conv2d_s8_reference")));
