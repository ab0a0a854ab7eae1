/* Private to the kernels: BATCH_MATMUL's loops, written once for the s8, s16 and f32 kernels. */
#ifndef MF_BATCH_MATMUL_H
#define MF_BATCH_MATMUL_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* For every output element out[b][m][n] in order (G: const mf_batch_matmul_geometry *; LHS, RHS:
 * const T *): ACC_T total = 0; MAC(total, l, r) for k in depth order, l = lhs[b][m][k] and
 * r = rhs[b][k][n]; then STORE(OUTPUT, total) stores it and advances OUTPUT. */
#define MF_BATCH_MATMUL_LOOPS(G, LHS, RHS, OUTPUT, T, ACC_T, MAC, STORE)                                  \
    for (int32_t b0 = 0; b0 < (G)->batch[0]; ++b0) {                                                      \
        for (int32_t b1 = 0; b1 < (G)->batch[1]; ++b1) {                                                  \
            for (int32_t b2 = 0; b2 < (G)->batch[2]; ++b2) {                                              \
                const T *l = (LHS) + b0 * (G)->lhs_batch_stride[0] + b1 * (G)->lhs_batch_stride[1] +      \
                             b2 * (G)->lhs_batch_stride[2];                                               \
                const T *r = (RHS) + b0 * (G)->rhs_batch_stride[0] + b1 * (G)->rhs_batch_stride[1] +      \
                             b2 * (G)->rhs_batch_stride[2];                                               \
                for (int32_t m = 0; m < (G)->rows; ++m) {                                                 \
                    const T *lrow = l + m * (G)->lhs_row_stride;                                          \
                    for (int32_t n = 0; n < (G)->cols; ++n) {                                             \
                        const T *rcol = r + n * (G)->rhs_col_stride;                                      \
                        ACC_T total = 0;                                                                  \
                        for (int32_t k = 0; k < (G)->depth; ++k) {                                        \
                            MAC(total, lrow[k * (G)->lhs_depth_stride], rcol[k * (G)->rhs_depth_stride]); \
                        }                                                                                 \
                        STORE(OUTPUT, total);                                                             \
                    }                                                                                     \
                }                                                                                         \
            }                                                                                             \
        }                                                                                                 \
    }

/* The quantised kernels' steps, reading the kernel's parameters p (mf_batch_matmul_q_params): the
 * products of (rhs + rhs_offset) * (lhs + lhs_offset) in WIDE_T summed wrapping (UWIDE_T); the sum
 * requantised by MBQM, + output offset, clamped to the activation range and stored as a T. */
#define MF_BATCH_MATMUL_Q_MAC(WIDE_T, UWIDE_T, total, l, r) \
    do {                                                    \
        const WIDE_T a = (WIDE_T)(r) + p->rhs_offset;       \
        const WIDE_T b = (WIDE_T)(l) + p->lhs_offset;       \
        (total) += (UWIDE_T)(a * b);                        \
    } while (0)
#define MF_BATCH_MATMUL_Q_STORE(T, WIDE_T, MBQM, out, total)                                               \
    do {                                                                                                   \
        const int32_t v = MBQM((WIDE_T)(total), p->output_multiplier, p->output_shift) + p->output_offset; \
        *(out)++ = (T)mf_clamp_i32(v, p->act_min, p->act_max);                                             \
    } while (0)

#endif /* MF_BATCH_MATMUL_H */
