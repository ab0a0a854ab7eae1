/* Private to the kernels: FULLY_CONNECTED's loops, written once for the int8 reference header and
 * the int16x8 and float32 kernels. */
#ifndef MF_FULLY_CONNECTED_LOOPS_H
#define MF_FULLY_CONNECTED_LOOPS_H

#include <stddef.h>

#include "mcuforge/nn.h"

/* For every batch row and output channel o (P: fields batches, in_depth, out_depth, filter):
 * ACC_T acc = 0; MAC(acc, x, w) over the input depth (x an IN_T input, w a W_T weight of row o);
 * then FINISH(dst, acc, o) stores the output element dst. */
#define MF_FULLY_CONNECTED_LOOPS(P, INPUT, OUTPUT, IN_T, W_T, ACC_T, MAC, FINISH) \
    for (int32_t b = 0; b < (P)->batches; ++b) {                                  \
        const IN_T *in = (INPUT) + (size_t)b * (P)->in_depth;                     \
        for (int32_t o = 0; o < (P)->out_depth; ++o) {                            \
            const W_T *w = (P)->filter + (size_t)o * (P)->in_depth;               \
            ACC_T acc = 0;                                                        \
            for (int32_t i = 0; i < (P)->in_depth; ++i) {                         \
                MAC(acc, in[i], w[i]);                                            \
            }                                                                     \
            FINISH((OUTPUT)[(size_t)b * (P)->out_depth + o], acc, o);             \
        }                                                                         \
    }

#endif /* MF_FULLY_CONNECTED_LOOPS_H */
