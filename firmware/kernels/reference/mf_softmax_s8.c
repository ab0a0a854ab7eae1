/* SOFTMAX, int8 in and out: reference kernel (TFLM's gemmlowp fixed-point algorithm). */
#include "../common/mf_softmax_q.h"
#include "mcuforge/nn.h"

void mf_softmax_s8(const mf_softmax_s8_params *p, const int8_t *input, int8_t *output)
{
    MF_SOFTMAX_Q_BODY(int8_t, 8, -128, 127);
}
