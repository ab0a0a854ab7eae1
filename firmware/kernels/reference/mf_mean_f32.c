/* MEAN, float32: sum in row-major order of the reduced dimensions, then divide (TFLM reference);
 * the walk is common/mf_reduce_walk.h's. */
#include "../common/mf_reduce_walk.h"

#define MF_MEAN_F32_ADD(sum, x, T) ((sum) += (x))
#define MF_MEAN_F32_RESULT(sum) ((sum) / n)

void mf_mean_f32(const mf_mean_params *p, const float *input, float *output)
{
    const float n = (float)p->n;
    MF_REDUCE_WALK(&p->walk, input, output, float, 0.0f, MF_MEAN_F32_ADD, MF_MEAN_F32_RESULT);
}
