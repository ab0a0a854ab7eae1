/* MUL, int8, with broadcasting: reference kernel (TFLM semantics, double-rounding MBQM). */
#include "../common/mf_broadcast_walk.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_MUL_S8_STEP(out, x, y)                                                                     \
    do {                                                                                              \
        const int32_t prod = ((x) + p->input1_offset) * ((y) + p->input2_offset);                     \
        const int32_t out_ = p->output_offset + mf_mbqm(prod, p->output_multiplier, p->output_shift); \
        *(out)++ = (int8_t)mf_clamp_i32(out_, p->act_min, p->act_max);                                \
    } while (0)

void mf_mul_s8(const mf_mul_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int8_t, input1, int8_t, input2, output, MF_MUL_S8_STEP);
}
