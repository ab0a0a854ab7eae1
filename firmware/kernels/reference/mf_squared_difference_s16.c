/* SQUARED_DIFFERENCE, int16_t, with broadcasting: reference kernel (TFLM's rescaled difference). */
#include "../common/mf_broadcast_walk.h"
#include "../common/mf_squared_difference_q.h"
#include "mcuforge/nn.h"

#define MF_SQUARED_DIFFERENCE_S16_STEP(out, x, y) (*(out)++ = (int16_t)mf_squared_difference_q(p, (x), (y)))

void mf_squared_difference_s16(const mf_squared_difference_q_params *p, const int16_t *input1,
                              const int16_t *input2, int16_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int16_t, input1, int16_t, input2, output, MF_SQUARED_DIFFERENCE_S16_STEP);
}
