/* REDUCE_MAX, int8 (input and output share scale and zero point): the largest raw value; the walk
 * is common/mf_reduce_walk.h's. */
#include "../common/mf_reduce_walk.h"

void mf_reduce_max_s8(const mf_reduce_walk *p, const int8_t *input, int8_t *output)
{
    MF_REDUCE_WALK(p, input, output, int8_t, INT8_MIN, MF_REDUCE_KEEP_GREATER, MF_REDUCE_AS_IS);
}
