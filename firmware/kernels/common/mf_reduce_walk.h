/*
 * Private to the reduction kernels (MEAN, SUM, REDUCE_MAX / MIN / ALL): the walk they all take,
 * written once. Each kernel file instantiates it with its element type, its start value, its step
 * and its result, so the loops each type compiles are the ones it always compiled.
 */
#ifndef MF_REDUCE_WALK_H
#define MF_REDUCE_WALK_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "mcuforge/walk.h"

/* For each output element of the walk W (a const mf_reduce_walk *; out_* in row-major order):
 * ACC_T acc = INIT; then STEP(acc, x, ACC_T) for every reduced element x (the lvalue INPUT[...],
 * in red_* order); then OUTPUT[k] = RESULT(acc). STEP and RESULT are macros of those arguments. */
#define MF_REDUCE_WALK(W, INPUT, OUTPUT, ACC_T, INIT, STEP, RESULT)                             \
    do {                                                                                        \
        int32_t oidx[MF_MOVE_MAX_DIMS] = {0};                                                   \
        ptrdiff_t base = 0;                                                                     \
        size_t k = 0;                                                                           \
        do {                                                                                    \
            int32_t ridx[MF_MOVE_MAX_DIMS] = {0};                                               \
            ptrdiff_t off = 0;                                                                  \
            ACC_T acc = (INIT);                                                                 \
            do {                                                                                \
                STEP(acc, (INPUT)[base + off], ACC_T);                                          \
            } while (mf_walk_next((W)->red_rank, (W)->red_count, (W)->red_stride, ridx, &off)); \
            (OUTPUT)[k++] = RESULT(acc);                                                        \
        } while (mf_walk_next((W)->out_rank, (W)->out_count, (W)->out_stride, oidx, &base));    \
    } while (0)

/* Steps: keep the strictly greater / smaller element (so a NaN never replaces the running value). */
#define MF_REDUCE_KEEP_GREATER(acc, x, T) \
    const T v = (x);                      \
    if (v > (acc)) {                      \
        (acc) = v;                        \
    }
#define MF_REDUCE_KEEP_SMALLER(acc, x, T) \
    const T v = (x);                      \
    if (v < (acc)) {                      \
        (acc) = v;                        \
    }
/* The running value is the result. */
#define MF_REDUCE_AS_IS(acc) (acc)

/* MEAN / SUM s8 and s16 (TFLM's QuantizedMeanOrSum): the element added to a sum that wraps in
 * 32 bits like TFLM's AddTensorValuesWithExpectedOverflow, then requantised and clamped. */
#define MF_MEAN_ADD_WRAPPING(sum, x, T) ((sum) += (uint32_t)(int32_t)(x))

#define MF_MEAN_REQUANTIZE(p, sum, lo, hi)                                                    \
    mf_clamp_i32(mf_mbqm((int32_t)((sum) - (uint32_t)(p)->zp_times_n), (p)->mult, (p)->shift) \
                     + (p)->output_offset,                                                    \
                 (lo), (hi))

#endif /* MF_REDUCE_WALK_H */
