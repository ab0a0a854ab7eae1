/* REDUCE_MAX, float32 (TFLM's ReduceGeneric): from -FLT_MAX, an element replaces the running
 * value only when greater, so NaNs are skipped and -inf never wins; the walk is
 * common/mf_reduce_walk.h's. */
#include <float.h>

#include "../common/mf_reduce_walk.h"

void mf_reduce_max_f32(const mf_reduce_walk *p, const float *input, float *output)
{
    MF_REDUCE_WALK(p, input, output, float, -FLT_MAX, MF_REDUCE_KEEP_GREATER, MF_REDUCE_AS_IS);
}
