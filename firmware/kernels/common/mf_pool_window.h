/*
 * Private to the kernels: the window of AVERAGE_POOL_2D and MAX_POOL_2D, for every type and
 * variant. As in TFLM, a window is clipped to the input: its padding cells are skipped, not read.
 */
#ifndef MF_POOL_WINDOW_H
#define MF_POOL_WINDOW_H

#include <stdint.h>

#include "mcuforge/fixedpoint.h"

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

#endif /* MF_POOL_WINDOW_H */
