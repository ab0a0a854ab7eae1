/* REDUCE_ALL, bool (one byte per element, 0 or 1): 1 when every reduced element is non-zero;
 * the walk is common/mf_reduce_walk.h's. */
#include "../common/mf_reduce_walk.h"

#define MF_REDUCE_ALL_AND(acc, x, T) ((acc) = (uint8_t)((acc) && (x)))

void mf_reduce_all(const mf_reduce_walk *p, const uint8_t *input, uint8_t *output)
{
    MF_REDUCE_WALK(p, input, output, uint8_t, 1, MF_REDUCE_ALL_AND, MF_REDUCE_AS_IS);
}
