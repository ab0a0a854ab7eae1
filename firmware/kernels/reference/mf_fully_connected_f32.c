/* FULLY_CONNECTED, float32: reference kernel (TFLM semantics: same summation order, bias last). */
#include "../common/mf_bias_act_f32.h"
#include "../common/mf_fully_connected_loops.h"
#include "mcuforge/nn.h"

#define MF_FULLY_CONNECTED_F32_MAC(acc, x, w) ((acc) += (x) * (w))

void mf_fully_connected_f32(const mf_fully_connected_f32_params *p, const float *input, float *output)
{
    MF_FULLY_CONNECTED_LOOPS(p, input, output, float, float, float, MF_FULLY_CONNECTED_F32_MAC,
                             MF_BIAS_ACT_F32);
}
