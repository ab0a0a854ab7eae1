/* CONV_2D, float32: reference kernel (TFLM semantics: same summation order, bias added last). */
#include "../common/mf_bias_act_f32.h"
#include "../common/mf_conv_loops.h"
#include "mcuforge/nn.h"

#define MF_CONV2D_F32_MAC(acc, x, w) ((acc) += (x) * (w))

void mf_conv2d_f32(const mf_conv2d_f32_params *p, const float *input, float *output)
{
    MF_CONV2D_LOOPS(p, input, output, float, float, float, MF_CONV2D_F32_MAC, MF_BIAS_ACT_F32);
}
