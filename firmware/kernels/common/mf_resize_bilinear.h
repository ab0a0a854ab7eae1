/* Private to the kernels: RESIZE_BILINEAR's loops, written once for the int8 and float32 kernels (the
 * generator gives each output row and column its two input indices and two weights, as TFLM
 * computes them). */
#ifndef MF_RESIZE_BILINEAR_H
#define MF_RESIZE_BILINEAR_H

#include <stddef.h>

#include "mcuforge/nn.h"

/* The body of a kernel (p, input of T, output): for every output element, v = the four neighbours
 * weighted by weight_y x weight_x (a W_T sum, in TFLM's product order); STORE(output, v) stores it
 * and advances output. */
#define MF_RESIZE_BILINEAR_BODY(T, W_T, STORE)                                                                       \
    do {                                                                                                             \
        const size_t depth = (size_t)p->depth;                                                                       \
        const size_t row = (size_t)p->in_w * depth;                                                                  \
        for (int32_t b = 0; b < p->batches; ++b) {                                                                   \
            const T *image = input + (size_t)b * (size_t)p->in_h * row;                                              \
            for (int32_t y = 0; y < p->out_h; ++y) {                                                                 \
                const T *r0 = image + (size_t)p->y_index[2 * y] * row;                                               \
                const T *r1 = image + (size_t)p->y_index[2 * y + 1] * row;                                           \
                const W_T wy0 = p->y_weight[2 * y], wy1 = p->y_weight[2 * y + 1];                                    \
                for (int32_t x = 0; x < p->out_w; ++x) {                                                             \
                    const size_t c0 = (size_t)p->x_index[2 * x] * depth, c1 = (size_t)p->x_index[2 * x + 1] * depth; \
                    const W_T wx0 = p->x_weight[2 * x], wx1 = p->x_weight[2 * x + 1];                                \
                    for (size_t c = 0; c < depth; ++c) {                                                             \
                        const W_T v = r0[c0 + c] * wy0 * wx0 + r1[c0 + c] * wy1 * wx0 + r0[c1 + c] * wy0 * wx1 +     \
                                      r1[c1 + c] * wy1 * wx1;                                                        \
                        STORE(output, v);                                                                            \
                    }                                                                                                \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    } while (0)

#endif /* MF_RESIZE_BILINEAR_H */
