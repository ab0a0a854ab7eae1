/* SUM, float32: from 0.0f, the reduced elements added in row-major order (TFLM's ReduceGeneric);
 * the walk is common/mf_reduce_walk.h's. */
#include "../common/mf_reduce_walk.h"

#define MF_SUM_F32_ADD(sum, x, T) ((sum) = (x) + (sum))

void mf_sum_f32(const mf_reduce_walk *p, const float *input, float *output)
{
    MF_REDUCE_WALK(p, input, output, float, 0.0f, MF_SUM_F32_ADD, MF_REDUCE_AS_IS);
}
