/*
 * Multi-index walks over strided tensors, shared by the reduction kernels (header-only).
 */
#ifndef MCUFORGE_WALK_H
#define MCUFORGE_WALK_H

#include <stddef.h>
#include <stdint.h>

/* Advance the row-major multi-index idx[0..rank-1] over count[] (last index fastest) and keep
 * *offset = sum idx[d] * stride[d]. Returns 0 once the walk wrapped around (idx all 0 again),
 * so `do { ... } while (mf_walk_next(...))` visits every index once; rank 0 visits one. */
static inline int mf_walk_next(int32_t rank, const int32_t *count, const int32_t *stride, int32_t *idx,
                               ptrdiff_t *offset)
{
    for (int32_t d = rank - 1; d >= 0; --d) {
        *offset += stride[d];
        if (++idx[d] < count[d]) {
            return 1;
        }
        *offset -= (ptrdiff_t)stride[d] * count[d];
        idx[d] = 0;
    }
    return 0;
}

#endif /* MCUFORGE_WALK_H */
