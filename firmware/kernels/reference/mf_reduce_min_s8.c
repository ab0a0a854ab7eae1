/* REDUCE_MIN, int8 (input and output share scale and zero point): the smallest raw value; the walk
 * is common/mf_reduce_walk.h's. */
#include "../common/mf_reduce_walk.h"

void mf_reduce_min_s8(const mf_reduce_walk *p, const int8_t *input, int8_t *output)
{
    MF_REDUCE_WALK(p, input, output, int8_t, INT8_MAX, MF_REDUCE_KEEP_SMALLER, MF_REDUCE_AS_IS);
}
