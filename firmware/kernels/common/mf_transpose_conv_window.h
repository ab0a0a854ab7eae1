/*
 * Private to the kernels: which input pixels a transposed convolution scatters into one output
 * coordinate, for every type. Input position i reaches output o = i * stride - pad + k for the
 * kernel taps k in [0, size); the kernels gather, visiting the i in ascending order (TFLM's order).
 * Also the gathering loops themselves, written once for the s8, s16 and f32 kernels.
 */
#ifndef MF_TRANSPOSE_CONV_WINDOW_H
#define MF_TRANSPOSE_CONV_WINDOW_H

#include <stddef.h>
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

/* TRANSPOSE_CONV with the parameters P (NHWC input of IN_T, filter [out_c][k_h][k_w][in_c] of W_T):
 * for every output element in order, ACC_T acc = 0; MAC(acc, x, w) over the input pixels that reach
 * it and their channels; then FINISH(OUTPUT, acc, oc) stores it and advances OUTPUT (`*OUTPUT++`). */
#define MF_TRANSPOSE_CONV_LOOPS(P, INPUT, OUTPUT, IN_T, W_T, ACC_T, MAC, FINISH)                                 \
    do {                                                                                                         \
        const size_t in_size = (size_t)(P)->in_h * (size_t)(P)->in_w * (size_t)(P)->in_c;                        \
        for (int32_t b = 0; b < (P)->batches; ++b, (INPUT) += in_size) {                                         \
            for (int32_t oy = 0; oy < (P)->out_h; ++oy) {                                                        \
                const mf_tconv_span y =                                                                          \
                    mf_tconv_span_at(oy, (P)->stride_h, (P)->pad_top, (P)->k_h, (P)->in_h);                      \
                for (int32_t ox = 0; ox < (P)->out_w; ++ox) {                                                    \
                    const mf_tconv_span x =                                                                      \
                        mf_tconv_span_at(ox, (P)->stride_w, (P)->pad_left, (P)->k_w, (P)->in_w);                 \
                    for (int32_t oc = 0; oc < (P)->out_c; ++oc) {                                                \
                        ACC_T acc = 0;                                                                           \
                        for (int32_t iy = y.first; iy <= y.last; ++iy) {                                         \
                            const int32_t ky = y.t - iy * (P)->stride_h;                                         \
                            for (int32_t ix = x.first; ix <= x.last; ++ix) {                                     \
                                const int32_t kx = x.t - ix * (P)->stride_w;                                     \
                                const IN_T *in =                                                                 \
                                    (INPUT) + ((size_t)iy * (size_t)(P)->in_w + (size_t)ix) * (size_t)(P)->in_c; \
                                const W_T *w = (P)->filter + (((size_t)oc * (size_t)(P)->k_h + (size_t)ky)       \
                                                              * (size_t)(P)->k_w                                 \
                                                              + (size_t)kx) * (size_t)(P)->in_c;                 \
                                for (int32_t ic = 0; ic < (P)->in_c; ++ic) {                                     \
                                    MAC(acc, in[ic], w[ic]);                                                     \
                                }                                                                                \
                            }                                                                                    \
                        }                                                                                        \
                        FINISH(OUTPUT, acc, oc);                                                                 \
                    }                                                                                            \
                }                                                                                                \
            }                                                                                                    \
        }                                                                                                        \
    } while (0)

#endif /* MF_TRANSPOSE_CONV_WINDOW_H */
