/* MAXIMUM, float, with broadcasting: reference kernel (raw values compared, as TFLM);
 * the walk is common/mf_broadcast_walk.h's. */
#include "../common/mf_broadcast_walk.h"

#define MF_MAXIMUM_F32_STEP(out, x, y) MF_BROADCAST_PICK_GREATER(float, out, x, y)

void mf_maximum_f32(const mf_broadcast *p, const float *input1, const float *input2, float *output)
{
    MF_BROADCAST_WALK(p, float, input1, float, input2, output, MF_MAXIMUM_F32_STEP);
}
