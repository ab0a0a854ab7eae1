/* ADD and SUB, float32, with broadcasting: reference kernel (TFLM semantics). */
#include "../common/mf_broadcast_walk.h"
#include "mcuforge/nn.h"

#define MF_ADD_F32_STEP(out, x1, x2)                \
    do {                                            \
        const float x = (x1);                       \
        const float y = (x2);                       \
        float v = p->subtract ? x - y : x + y;      \
        v = v < p->act_min ? p->act_min : v;        \
        *(out)++ = v > p->act_max ? p->act_max : v; \
    } while (0)

void mf_add_f32(const mf_arith_f32_params *p, const float *input1, const float *input2, float *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, float, input1, float, input2, output, MF_ADD_F32_STEP);
}
