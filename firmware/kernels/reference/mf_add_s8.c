/* ADD and SUB, int8 (TFLM's general rescaling path), with broadcasting: reference kernel. */
#include "../common/mf_broadcast_walk.h"
#include "../common/mf_add_q.h"
#include "mcuforge/nn.h"

MF_DEFINE_ADD_Q(add_one, int8_t)

#define MF_ADD_S8_STEP(out, x, y) (*(out)++ = add_one(p, (x), (y)))

void mf_add_s8(const mf_add_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int8_t, input1, int8_t, input2, output, MF_ADD_S8_STEP);
}
