/*
 * Private to the kernels: the loops of CONV_2D and DEPTHWISE_CONV_2D, written once for every type
 * (the int8 reference headers beside this one, the int16x8 and float32 reference kernels). A kernel
 * instantiates them with its element types, its multiply-accumulate and its requantisation, so the
 * loops each type compiles are the ones it always compiled.
 */
#ifndef MF_CONV_LOOPS_H
#define MF_CONV_LOOPS_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* For every kernel tap (ky, kx) of the geometry G whose input pixel (iy = IN_Y0 + dil_h * ky,
 * ix = IN_X0 + dil_w * kx) lies inside the input (zero padding contributes nothing): TAP, a statement
 * that reads those four names. */
#define MF_CONV_TAPS(G, IN_Y0, IN_X0, TAP)                \
    for (int32_t ky = 0; ky < (G)->k_h; ++ky) {           \
        const int32_t iy = (IN_Y0) + (G)->dil_h * ky;     \
        if (iy < 0 || iy >= (G)->in_h) {                  \
            continue;                                     \
        }                                                 \
        for (int32_t kx = 0; kx < (G)->k_w; ++kx) {       \
            const int32_t ix = (IN_X0) + (G)->dil_w * kx; \
            if (ix < 0 || ix >= (G)->in_w) {              \
                continue;                                 \
            }                                             \
            TAP;                                          \
        }                                                 \
    }

/* CONV_2D (grouped when filter_c < in_c; NHWC input and output, OHWI filter) with the parameters P
 * (fields geo, filter, filter_c): for every output element, ACC_T acc = 0; MAC(acc, x, w) over the
 * taps and the group's input channels (x an IN_T input element, w a W_T weight); then
 * FINISH(dst, acc, oc) stores the output element dst of channel oc. */
#define MF_CONV2D_LOOPS(P, INPUT, OUTPUT, IN_T, W_T, ACC_T, MAC, FINISH)                                       \
    do {                                                                                                       \
        const mf_conv_geometry *g = &(P)->geo;                                                                 \
        const int32_t groups = g->in_c / (P)->filter_c;                                                        \
        const int32_t out_per_group = g->out_c / groups;                                                       \
        for (int32_t oy = 0; oy < g->out_h; ++oy) {                                                            \
            const int32_t in_y0 = oy * g->stride_h - g->pad_top;                                               \
            for (int32_t ox = 0; ox < g->out_w; ++ox) {                                                        \
                const int32_t in_x0 = ox * g->stride_w - g->pad_left;                                          \
                for (int32_t oc = 0; oc < g->out_c; ++oc) {                                                    \
                    const int32_t group = oc / out_per_group;                                                  \
                    const W_T *w = (P)->filter + (size_t)oc * g->k_h * g->k_w * (P)->filter_c;                 \
                    ACC_T acc = 0;                                                                             \
                    MF_CONV_TAPS(g, in_y0, in_x0,                                                              \
                                 const IN_T *in =                                                              \
                                     (INPUT) + ((size_t)iy * g->in_w + ix) * g->in_c + group * (P)->filter_c;  \
                                 const W_T *wk = w + ((size_t)ky * g->k_w + kx) * (P)->filter_c;               \
                                 for (int32_t ic = 0; ic < (P)->filter_c; ++ic) { MAC(acc, in[ic], wk[ic]); }) \
                    FINISH((OUTPUT)[((size_t)oy * g->out_w + ox) * g->out_c + oc], acc, oc);                   \
                }                                                                                              \
            }                                                                                                  \
        }                                                                                                      \
    } while (0)

/* DEPTHWISE_CONV_2D (output channel oc = ic * depth_mult + m reads input channel ic; filter
 * [k_h][k_w][out_c]) with the parameters P (fields geo, filter): for every output element,
 * ACC_T acc = 0; MAC(acc, x, w) over the taps (x an input element, w its weight); then
 * FINISH(dst, acc, oc) stores the output element dst (an OUT_T) of channel oc. */
#define MF_DEPTHWISE_CONV2D_LOOPS(P, INPUT, OUTPUT, OUT_T, ACC_T, MAC, FINISH)                     \
    do {                                                                                           \
        const mf_conv_geometry *g = &(P)->geo;                                                     \
        const int32_t out_c = g->out_c, depth_mult = out_c / g->in_c;                              \
        for (int32_t oy = 0; oy < g->out_h; ++oy) {                                                \
            const int32_t in_y0 = oy * g->stride_h - g->pad_top;                                   \
            for (int32_t ox = 0; ox < g->out_w; ++ox) {                                            \
                const int32_t in_x0 = ox * g->stride_w - g->pad_left;                              \
                OUT_T *out = (OUTPUT) + ((size_t)oy * g->out_w + ox) * out_c;                      \
                for (int32_t ic = 0; ic < g->in_c; ++ic) {                                         \
                    for (int32_t m = 0; m < depth_mult; ++m) {                                     \
                        const int32_t oc = ic * depth_mult + m;                                    \
                        ACC_T acc = 0;                                                             \
                        MF_CONV_TAPS(g, in_y0, in_x0,                                              \
                                     MAC(acc, (INPUT)[((size_t)iy * g->in_w + ix) * g->in_c + ic], \
                                         (P)->filter[((size_t)ky * g->k_w + kx) * out_c + oc]))    \
                        FINISH(out[oc], acc, oc);                                                  \
                    }                                                                              \
                }                                                                                  \
            }                                                                                      \
        }                                                                                          \
    } while (0)

/* The int8 FINISH step CONV_2D and DEPTHWISE_CONV_2D share, reading the kernel's parameters p: + bias,
 * requantised per channel (out_mult, out_shift), + output zero point, clamped to the activation
 * range. (Their float32 one is common/mf_bias_act_f32.h's MF_BIAS_ACT_F32.) */
#define MF_CONV_FINISH_S8(dst, acc, oc)                                               \
    do {                                                                              \
        if (p->bias) {                                                                \
            (acc) += p->bias[oc];                                                     \
        }                                                                             \
        (acc) = mf_mbqm((acc), p->out_mult[oc], p->out_shift[oc]) + p->output_offset; \
        (dst) = (int8_t)mf_clamp_i32((acc), p->act_min, p->act_max);                  \
    } while (0)

#endif /* MF_CONV_LOOPS_H */
