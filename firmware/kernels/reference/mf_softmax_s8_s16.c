/* SOFTMAX, int8 in, int16 out (scale 1/65536, zero point -32768): reference kernel (TFLM's
 * gemmlowp fixed-point algorithm, as mf_softmax_s8 with a 16-bit output exponent). */
#include "../common/mf_softmax_q.h"
#include "mcuforge/nn.h"

void mf_softmax_s8_s16(const mf_softmax_s8_params *p, const int8_t *input, int16_t *output)
{
    MF_SOFTMAX_Q_BODY(int16_t, 16, -32768, 32767);
}
