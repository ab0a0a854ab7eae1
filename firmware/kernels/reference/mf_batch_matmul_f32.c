/* BATCH_MATMUL, float32: out[b][m][n] = sum over k in order of lhs[b][m][k] * rhs[b][k][n], from 0.0f. */
#include "mcuforge/nn.h"

void mf_batch_matmul_f32(const mf_batch_matmul_geometry *g, const float *lhs, const float *rhs, float *output)
{
    for (int32_t b0 = 0; b0 < g->batch[0]; ++b0) {
        for (int32_t b1 = 0; b1 < g->batch[1]; ++b1) {
            for (int32_t b2 = 0; b2 < g->batch[2]; ++b2) {
                const float *l = lhs + b0 * g->lhs_batch_stride[0] + b1 * g->lhs_batch_stride[1] +
                                 b2 * g->lhs_batch_stride[2];
                const float *r = rhs + b0 * g->rhs_batch_stride[0] + b1 * g->rhs_batch_stride[1] +
                                 b2 * g->rhs_batch_stride[2];
                for (int32_t m = 0; m < g->rows; ++m) {
                    const float *lrow = l + m * g->lhs_row_stride;
                    for (int32_t n = 0; n < g->cols; ++n) {
                        const float *rcol = r + n * g->rhs_col_stride;
                        float total = 0.0f;
                        for (int32_t k = 0; k < g->depth; ++k) {
                            total += lrow[k * g->lhs_depth_stride] * rcol[k * g->rhs_depth_stride];
                        }
                        *output++ = total;
                    }
                }
            }
        }
    }
}
