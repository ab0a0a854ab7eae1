/* Comparisons on float values with broadcasting: reference kernel (raw values, as TFLM);
 * the walk and the comparison are common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"

MF_DEFINE_COMPARE(compare, float)

#define MF_COMPARE_F32_STEP(out, x, y) (*(out)++ = compare(p->cmp, (x), (y)))

void mf_compare_f32(const mf_compare_params *p, const float *input1, const float *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, float, input1, float, input2, output, MF_COMPARE_F32_STEP);
}
