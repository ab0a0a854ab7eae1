/*
 * Walking an mf_broadcast plan (nn.h): the odometer shared by the binary element-wise kernels.
 * Header-only, static inline.
 */
#ifndef MCUFORGE_BROADCAST_H
#define MCUFORGE_BROADCAST_H

#include <stdint.h>

#include "mcuforge/nn.h"

typedef struct {
    int32_t index[MF_BROADCAST_OUTER];
    int32_t off1, off2; /* element offsets of the current row in input1 / input2 */
} mf_broadcast_iter;

static inline int32_t mf_broadcast_rows(const mf_broadcast *b)
{
    int32_t rows = 1;
    for (int d = 0; d < MF_BROADCAST_OUTER; ++d) {
        rows *= b->outer[d];
    }
    return rows;
}

static inline void mf_broadcast_begin(mf_broadcast_iter *it)
{
    for (int d = 0; d < MF_BROADCAST_OUTER; ++d) {
        it->index[d] = 0;
    }
    it->off1 = 0;
    it->off2 = 0;
}

/* Advance to the next row. */
static inline void mf_broadcast_next(const mf_broadcast *b, mf_broadcast_iter *it)
{
    for (int d = MF_BROADCAST_OUTER - 1; d >= 0; --d) {
        it->off1 += b->stride1[d];
        it->off2 += b->stride2[d];
        if (++it->index[d] < b->outer[d]) {
            return;
        }
        it->off1 -= b->outer[d] * b->stride1[d];
        it->off2 -= b->outer[d] * b->stride2[d];
        it->index[d] = 0;
    }
}

#endif /* MCUFORGE_BROADCAST_H */
