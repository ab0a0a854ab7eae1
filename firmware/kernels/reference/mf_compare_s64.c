/* Comparisons on int64_t values with broadcasting: reference kernel (raw values, as TFLM);
 * the walk and the comparison are common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"

MF_DEFINE_COMPARE(compare, int64_t)

#define MF_COMPARE_S64_STEP(out, x, y) (*(out)++ = compare(p->cmp, (x), (y)))

void mf_compare_s64(const mf_compare_params *p, const int64_t *input1, const int64_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int64_t, input1, int64_t, input2, output, MF_COMPARE_S64_STEP);
}
