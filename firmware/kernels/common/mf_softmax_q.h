/* Private to the kernels: SOFTMAX on int8 input (TFLM's gemmlowp fixed-point algorithm), written once
 * for the int8 and int16 outputs. */
#ifndef MF_SOFTMAX_Q_H
#define MF_SOFTMAX_Q_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_SOFTMAX_DIFF_BITS 5
#define MF_SOFTMAX_ACCUM_BITS 12

/* The body of a kernel (p, input, output) whose output elements are OUT_T of OUT_BITS bits, range
 * [LO, HI], zero point LO (scale 2^-OUT_BITS): per row, the exponentials of the differences to the
 * row's maximum (those below diff_min count 0 and give LO), their sum's reciprocal, each share. */
#define MF_SOFTMAX_Q_BODY(OUT_T, OUT_BITS, LO, HI)                                                                   \
    do {                                                                                                             \
        for (int32_t r = 0; r < p->outer; ++r) {                                                                     \
            const int8_t *in = input + (size_t)r * p->depth;                                                         \
            OUT_T *out = output + (size_t)r * p->depth;                                                              \
            int32_t max_in_row = -128;                                                                               \
            for (int32_t c = 0; c < p->depth; ++c) {                                                                 \
                max_in_row = in[c] > max_in_row ? in[c] : max_in_row;                                                \
            }                                                                                                        \
            int32_t sum_of_exps = 0;                                                                                 \
            for (int32_t c = 0; c < p->depth; ++c) {                                                                 \
                const int32_t diff = in[c] - max_in_row;                                                             \
                if (diff >= p->diff_min) {                                                                           \
                    const int32_t scaled = mf_mbqm_greater_than_one(diff, p->input_multiplier, p->input_left_shift); \
                    sum_of_exps += mf_fp_rescale(mf_fp_exp_on_negative_values(scaled, MF_SOFTMAX_DIFF_BITS), 0,      \
                                                 MF_SOFTMAX_ACCUM_BITS);                                             \
                }                                                                                                    \
            }                                                                                                        \
            int bits_over_unit;                                                                                      \
            const int32_t shifted_scale = mf_fp_reciprocal(sum_of_exps, MF_SOFTMAX_ACCUM_BITS, &bits_over_unit);     \
            const int exponent = bits_over_unit + 31 - (OUT_BITS);                                                   \
            for (int32_t c = 0; c < p->depth; ++c) {                                                                 \
                const int32_t diff = in[c] - max_in_row;                                                             \
                if (diff >= p->diff_min) {                                                                           \
                    const int32_t scaled = mf_mbqm_greater_than_one(diff, p->input_multiplier, p->input_left_shift); \
                    const int32_t e = mf_fp_exp_on_negative_values(scaled, MF_SOFTMAX_DIFF_BITS);                    \
                    const int32_t unsat = mf_rdbpot(mf_srdhm(shifted_scale, e), exponent);                           \
                    out[c] = (OUT_T)mf_clamp_i32(unsat + (LO), (LO), (HI));                                          \
                } else {                                                                                             \
                    out[c] = (LO);                                                                                   \
                }                                                                                                    \
            }                                                                                                        \
        }                                                                                                            \
    } while (0)

#endif /* MF_SOFTMAX_Q_H */
