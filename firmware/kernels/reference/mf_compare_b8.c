/* Comparisons on uint8_t values with broadcasting: reference kernel (raw values, as TFLM; any non-zero byte is true);
 * the walk and the comparison are common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"

MF_DEFINE_COMPARE(compare, uint8_t)

#define MF_COMPARE_B8_STEP(out, x, y) (*(out)++ = compare(p->cmp, (x) != 0, (y) != 0))

void mf_compare_b8(const mf_compare_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, uint8_t, input1, uint8_t, input2, output, MF_COMPARE_B8_STEP);
}
