/* PRELU, int8_t input with int8 alpha broadcast against it: reference kernel (TFLM's two rescalings). */
#include "../common/mf_broadcast_walk.h"
#include "../common/mf_prelu_q.h"
#include "mcuforge/nn.h"

#define MF_PRELU_S8_STEP(out, in, alpha) MF_PRELU_Q_STEP(int8_t, -128, 127, p, out, in, alpha)

void mf_prelu_s8(const mf_prelu_q_params *p, const int8_t *input, const int8_t *alpha, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int8_t, input, int8_t, alpha, output, MF_PRELU_S8_STEP);
}
