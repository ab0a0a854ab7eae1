/* DEPTHWISE_CONV_2D, float32: reference kernel (TFLM semantics: same summation order, bias last).
 * Output channel oc = ic * depth_mult + m reads input channel ic. */
#include "../common/mf_bias_act_f32.h"
#include "../common/mf_conv_loops.h"
#include "mcuforge/nn.h"

#define MF_DEPTHWISE_CONV2D_F32_MAC(acc, x, w) ((acc) += (x) * (w))

void mf_depthwise_conv2d_f32(const mf_depthwise_conv2d_f32_params *p, const float *input, float *output)
{
    MF_DEPTHWISE_CONV2D_LOOPS(p, input, output, float, float, MF_DEPTHWISE_CONV2D_F32_MAC,
                              MF_BIAS_ACT_F32);
}
