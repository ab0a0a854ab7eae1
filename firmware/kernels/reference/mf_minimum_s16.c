/* MINIMUM, int16, with broadcasting: reference kernel (raw values compared, as TFLM);
 * the walk is common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"

#define MF_MINIMUM_S16_STEP(out, x, y) MF_BROADCAST_PICK_SMALLER(int16_t, out, x, y)

void mf_minimum_s16(const mf_broadcast *p, const int16_t *input1, const int16_t *input2, int16_t *output)
{
    MF_BROADCAST_WALK(p, int16_t, input1, int16_t, input2, output, MF_MINIMUM_S16_STEP);
}
