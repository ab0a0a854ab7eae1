/* SQUARED_DIFFERENCE, int8_t, with broadcasting: reference kernel (TFLM's rescaled difference). */
#include "../common/mf_broadcast_walk.h"
#include "../common/mf_squared_difference_q.h"
#include "mcuforge/nn.h"

#define MF_SQUARED_DIFFERENCE_S8_STEP(out, x, y) (*(out)++ = (int8_t)mf_squared_difference_q(p, (x), (y)))

void mf_squared_difference_s8(const mf_squared_difference_q_params *p, const int8_t *input1,
                              const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int8_t, input1, int8_t, input2, output, MF_SQUARED_DIFFERENCE_S8_STEP);
}
