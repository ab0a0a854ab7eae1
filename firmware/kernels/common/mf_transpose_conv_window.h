/*
 * Private to the kernels: which input pixels a transposed convolution scatters into one output
 * coordinate, for every type. Input position i reaches output o = i * stride - pad + k for the
 * kernel taps k in [0, size); the kernels gather, visiting the i in ascending order (TFLM's order).
 */
#ifndef MF_TRANSPOSE_CONV_WINDOW_H
#define MF_TRANSPOSE_CONV_WINDOW_H

#include <stdint.h>

/* Input positions first..last (ascending, possibly empty) reach output coordinate o; position i
 * does so through tap t - i * stride. */
typedef struct {
    int32_t first, last, t;
} mf_tconv_span;

static inline mf_tconv_span mf_tconv_span_at(int32_t o, int32_t stride, int32_t pad, int32_t taps, int32_t in_size)
{
    mf_tconv_span s;
    s.t = o + pad;
    s.last = s.t / stride;
    s.first = s.t - taps + 1 <= 0 ? 0 : (s.t - taps + stride) / stride;
    if (s.last > in_size - 1) {
        s.last = in_size - 1;
    }
    return s;
}

#endif /* MF_TRANSPOSE_CONV_WINDOW_H */
