/*
 * Private to the kernels: the window of AVERAGE_POOL_2D, MAX_POOL_2D and L2_POOL_2D, for every type
 * and variant, and the reference kernels' loops over it. As in TFLM, a window is clipped to the
 * input: its padding cells are skipped, not read.
 */
#ifndef MF_POOL_WINDOW_H
#define MF_POOL_WINDOW_H

#include <stddef.h>
#include <stdint.h>

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* One axis of a window, bounded as TFLM does (filter_x_start = max(0, -start), filter_x_end =
 * min(k, size - start)): cell k reads input coordinate start + k; the cells in [k0, k1) lie inside
 * the input. */
typedef struct {
    int32_t start, k0, k1;
} mf_pool_span;

/* The window of output coordinate o along an axis of the given stride, leading padding, window
 * size k and input size. */
static inline mf_pool_span mf_pool_span_at(int32_t o, int32_t stride, int32_t pad, int32_t k, int32_t size)
{
    mf_pool_span s;
    s.start = o * stride - pad;
    s.k0 = mf_max_i32(0, -s.start);
    s.k1 = mf_min_i32(k, size - s.start);
    return s;
}

/* The average of n cells summing to sum, rounded half away from zero as TFLM does
 * ((sum +- n/2) / n, C division). */
static inline int32_t mf_pool_average(int32_t sum, int32_t n)
{
    return sum > 0 ? (sum + n / 2) / n : (sum - n / 2) / n;
}

/* The reference pooling loops (NHWC, one channel at a time) with the parameters P (field geo): for
 * every output element, ACC_T acc = INIT; STEP(acc, x) for each input element x inside its window;
 * then FINISH(dst, acc, n) stores the output element dst, n (a COUNT_T) being the number of window
 * cells inside the input. */
#define MF_POOL2D_LOOPS(P, INPUT, OUTPUT, COUNT_T, ACC_T, INIT, STEP, FINISH)                                      \
    do {                                                                                                           \
        const mf_conv_geometry *g = &(P)->geo;                                                                     \
        for (int32_t oy = 0; oy < g->out_h; ++oy) {                                                                \
            const mf_pool_span y = mf_pool_span_at(oy, g->stride_h, g->pad_top, g->k_h, g->in_h);                  \
            for (int32_t ox = 0; ox < g->out_w; ++ox) {                                                            \
                const mf_pool_span x = mf_pool_span_at(ox, g->stride_w, g->pad_left, g->k_w, g->in_w);             \
                const COUNT_T n = (COUNT_T)((y.k1 - y.k0) * (x.k1 - x.k0));                                        \
                (void)n;                                                                                           \
                for (int32_t c = 0; c < g->in_c; ++c) {                                                            \
                    ACC_T acc = (INIT);                                                                            \
                    for (int32_t ky = y.k0; ky < y.k1; ++ky) {                                                     \
                        for (int32_t kx = x.k0; kx < x.k1; ++kx) {                                                 \
                            STEP(acc, (INPUT)[((size_t)(y.start + ky) * g->in_w + (x.start + kx)) * g->in_c + c]); \
                        }                                                                                          \
                    }                                                                                              \
                    FINISH((OUTPUT)[((size_t)oy * g->out_w + ox) * g->in_c + c], acc, n);                          \
                }                                                                                                  \
            }                                                                                                      \
        }                                                                                                          \
    } while (0)

/* The float32 kernels' store, reading the kernel's parameters p: VALUE clamped to the activation
 * range. */
#define MF_POOL_STORE_F32(dst, VALUE)        \
    do {                                     \
        float v = (VALUE);                   \
        v = v < p->act_min ? p->act_min : v; \
        v = p->act_max < v ? p->act_max : v; \
        (dst) = v;                           \
    } while (0)

/* MAX_POOL_2D's step on integers: keep the greater; its store: clamped to the activation range
 * (p: the kernel's parameters) and stored as a T. */
#define MF_POOL_KEEP_GREATER_I32(m, x) \
    do {                               \
        const int32_t v = (x);         \
        (m) = v > (m) ? v : (m);       \
    } while (0)
#define MF_POOL_STORE_CLAMPED(T, dst, m) ((dst) = (T)mf_clamp_i32((m), p->act_min, p->act_max))

/* AVERAGE_POOL_2D's step on integers: the sum. */
#define MF_POOL_SUM(acc, x) ((acc) += (x))

#endif /* MF_POOL_WINDOW_H */
