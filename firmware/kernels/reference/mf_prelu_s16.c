/* PRELU, int16_t input with int8 alpha broadcast against it: reference kernel (TFLM's two rescalings). */
#include "../common/mf_broadcast_walk.h"
#include "../common/mf_prelu_q.h"
#include "mcuforge/nn.h"

#define MF_PRELU_S16_STEP(out, in, alpha) MF_PRELU_Q_STEP(int16_t, -32768, 32767, p, out, in, alpha)

void mf_prelu_s16(const mf_prelu_q_params *p, const int16_t *input, const int8_t *alpha, int16_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int16_t, input, int8_t, alpha, output, MF_PRELU_S16_STEP);
}
