/*
 * Private to the broadcasting binary kernels (comparisons, MAXIMUM / MINIMUM, the arithmetic ops,
 * PRELU, LOGICAL_AND / OR): the walk over two broadcast inputs they all take, written once. Each
 * kernel file instantiates it with its element types and its step, so the loops each type compiles
 * are the ones it always compiled.
 */
#ifndef MF_BROADCAST_WALK_H
#define MF_BROADCAST_WALK_H

#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

/* For every output element in order (BC: a const mf_broadcast *): STEP(OUTPUT, x, y) with x and y the
 * input elements it combines (the lvalues a[...] of INPUT1, a const T1 *, and b[...] of INPUT2, a
 * const T2 *). STEP writes the element and advances OUTPUT (`*OUTPUT++ = ...`). */
#define MF_BROADCAST_WALK(BC, T1, INPUT1, T2, INPUT2, OUTPUT, STEP)                   \
    do {                                                                              \
        const int32_t rows = mf_broadcast_rows(BC);                                   \
        mf_broadcast_iter it;                                                         \
        mf_broadcast_begin(&it);                                                      \
        for (int32_t r = 0; r < rows; ++r) {                                          \
            const T1 *a = (INPUT1) + it.off1;                                         \
            const T2 *b = (INPUT2) + it.off2;                                         \
            for (int32_t k = 0; k < (BC)->inner; ++k) {                               \
                STEP(OUTPUT, a[k * (BC)->inner_stride1], b[k * (BC)->inner_stride2]); \
            }                                                                         \
            mf_broadcast_next(BC, &it);                                               \
        }                                                                             \
    } while (0)

/* MAXIMUM / MINIMUM on raw values of type T (as TFLM): the greater (smaller) of x and y. */
#define MF_BROADCAST_PICK_GREATER(T, out, x1, x2) \
    do {                                          \
        const T x = (x1);                         \
        const T y = (x2);                         \
        *(out)++ = x > y ? x : y;                 \
    } while (0)
#define MF_BROADCAST_PICK_SMALLER(T, out, x1, x2) \
    do {                                          \
        const T x = (x1);                         \
        const T y = (x2);                         \
        *(out)++ = x < y ? x : y;                 \
    } while (0)

/* The comparison `cmp` (MF_CMP_*) of two values of type T, as a static function NAME returning 0 or 1. */
#define MF_DEFINE_COMPARE(NAME, T)             \
    static uint8_t NAME(int32_t cmp, T x, T y) \
    {                                          \
        switch (cmp) {                         \
        case MF_CMP_EQUAL:                     \
            return x == y;                     \
        case MF_CMP_NOT_EQUAL:                 \
            return x != y;                     \
        case MF_CMP_GREATER:                   \
            return x > y;                      \
        case MF_CMP_GREATER_EQUAL:             \
            return x >= y;                     \
        case MF_CMP_LESS:                      \
            return x < y;                      \
        default:                               \
            return x <= y;                     \
        }                                      \
    }

#endif /* MF_BROADCAST_WALK_H */
