/* MINIMUM, int8, with broadcasting: reference kernel (raw values compared, as TFLM);
 * the walk is common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"

#define MF_MINIMUM_S8_STEP(out, x, y) MF_BROADCAST_PICK_SMALLER(int8_t, out, x, y)

void mf_minimum_s8(const mf_broadcast *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    MF_BROADCAST_WALK(p, int8_t, input1, int8_t, input2, output, MF_MINIMUM_S8_STEP);
}
