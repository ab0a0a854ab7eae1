/* Comparisons on int8 with broadcasting: reference kernel (TFLM's rescaled values, so operands of
 * different scales compare by their real values); the walk and the comparison are
 * common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"
#include "mcuforge/fixedpoint.h"

MF_DEFINE_COMPARE(compare, int32_t)

#define MF_COMPARE_S8_STEP(out, a, b)                                                                      \
    do {                                                                                                   \
        const int32_t x = mf_mbqm_smaller_than_one(((a) + p->input1_offset) * scale, p->input1_multiplier, \
                                                   p->input1_shift);                                       \
        const int32_t y = mf_mbqm_smaller_than_one(((b) + p->input2_offset) * scale, p->input2_multiplier, \
                                                   p->input2_shift);                                       \
        *(out)++ = compare(p->cmp, x, y);                                                                  \
    } while (0)

void mf_compare_s8(const mf_compare_s8_params *p, const int8_t *input1, const int8_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t scale = (int32_t)1 << p->left_shift;
    MF_BROADCAST_WALK(bc, int8_t, input1, int8_t, input2, output, MF_COMPARE_S8_STEP);
}
