/* Comparisons on int32_t values with broadcasting: reference kernel (raw values, as TFLM);
 * the walk and the comparison are common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"

MF_DEFINE_COMPARE(compare, int32_t)

#define MF_COMPARE_S32_STEP(out, x, y) (*(out)++ = compare(p->cmp, (x), (y)))

void mf_compare_s32(const mf_compare_params *p, const int32_t *input1, const int32_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int32_t, input1, int32_t, input2, output, MF_COMPARE_S32_STEP);
}
