/* Private to the kernels: ARG_MAX / ARG_MIN over the middle axis of [outer][axis_size][inner], written
 * once for the int8 and float32 kernels (TFLM: a later element wins only when strictly greater /
 * smaller than the current candidate, so ties keep the first position and a NaN never wins). */
#ifndef MF_ARG_MIN_MAX_H
#define MF_ARG_MIN_MAX_H

#include <stddef.h>

#include "mcuforge/nn.h"

/* The body of a kernel (p, input of T, int32 output). */
#define MF_ARG_MIN_MAX_BODY(T)                                                       \
    do {                                                                             \
        const int32_t inner = p->inner;                                              \
        for (int32_t o = 0; o < p->outer; ++o) {                                     \
            const T *row = input + (size_t)o * (size_t)p->axis_size * (size_t)inner; \
            for (int32_t k = 0; k < inner; ++k) {                                    \
                T best = row[k];                                                     \
                int32_t index = 0;                                                   \
                for (int32_t i = 1; i < p->axis_size; ++i) {                         \
                    const T v = row[(size_t)i * (size_t)inner + (size_t)k];          \
                    if (p->is_max ? v > best : v < best) {                           \
                        best = v;                                                    \
                        index = i;                                                   \
                    }                                                                \
                }                                                                    \
                *output++ = index;                                                   \
            }                                                                        \
        }                                                                            \
    } while (0)

#endif /* MF_ARG_MIN_MAX_H */
