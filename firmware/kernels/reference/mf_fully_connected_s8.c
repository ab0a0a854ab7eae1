/* FULLY_CONNECTED, int8: reference kernel (TFLM semantics, double-rounding requantisation).
 * The algorithm is common/mf_fully_connected_s8_reference.h, shared with the dsp kernel's generic
 * path; this kernel is that function itself, by alias (a wrapper calling it compiles the loops less
 * well). */
#include "../common/mf_fully_connected_s8_reference.h"

/* Reads the plain weight fields, which the dsp layout leaves NULL and whose bias the mve layout folds:
 * never in a build of the dsp or mve kernels.
 * (The same guard stands in each int8 reference kernel on purpose: each names its own file.) */
#if defined(MF_KERNELS_DSP)
#error "kernels/reference/mf_fully_connected_s8.c reads the reference parameter layout, but this build compiles the dsp kernels (MF_KERNELS_DSP), whose layout leaves its weights NULL: compile kernels/dsp/mf_fully_connected_s8.c instead"
#elif defined(MF_KERNELS_MVE)
#error "kernels/reference/mf_fully_connected_s8.c reads the reference parameter layout, but this build compiles the mve kernels (MF_KERNELS_MVE), whose layout folds the input offset into its bias: compile kernels/mve/mf_fully_connected_s8.c instead"
#endif

void mf_fully_connected_s8(const mf_fully_connected_s8_params *p, const int8_t *input, int8_t *output)
    __attribute__((alias("mf_fully_connected_s8_reference")));
