/* LEAKY_RELU, int16: reference kernel (TFLM QuantizeLeakyRelu). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_leaky_relu_s16(const mf_leaky_relu_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = input[i] - p->input_zero_point;
        const int32_t v = p->output_zero_point + (x >= 0 ? mf_mbqm(x, p->mult_identity, p->shift_identity)
                                                          : mf_mbqm(x, p->mult_alpha, p->shift_alpha));
        output[i] = (int16_t)mf_clamp_i32(v, INT16_MIN, INT16_MAX);
    }
}
