/* MUL, int16, with broadcasting: reference kernel (TFLM semantics, double-rounding MBQM). */
#include "../common/mf_broadcast_walk.h"
#include "../common/mf_mul_q.h"
#include "mcuforge/nn.h"

#define MF_MUL_S16_STEP(out, x, y) MF_MUL_Q_STEP(int16_t, p, out, x, y)

void mf_mul_s16(const mf_mul_q_params *p, const int16_t *input1, const int16_t *input2, int16_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int16_t, input1, int16_t, input2, output, MF_MUL_S16_STEP);
}
