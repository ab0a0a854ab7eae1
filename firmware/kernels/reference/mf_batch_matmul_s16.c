/* BATCH_MATMUL, int16_t (TFLM): the depth sum of (rhs + rhs_offset) * (lhs + lhs_offset) in int64_t
 * (wrapping), then mf_mbqm64, the output offset and the clamp. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_batch_matmul_s16(const mf_batch_matmul_q_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output)
{
    const mf_batch_matmul_geometry *g = &p->g;
    for (int32_t b0 = 0; b0 < g->batch[0]; ++b0) {
        for (int32_t b1 = 0; b1 < g->batch[1]; ++b1) {
            for (int32_t b2 = 0; b2 < g->batch[2]; ++b2) {
                const int16_t *l = lhs + b0 * g->lhs_batch_stride[0] + b1 * g->lhs_batch_stride[1] +
                                   b2 * g->lhs_batch_stride[2];
                const int16_t *r = rhs + b0 * g->rhs_batch_stride[0] + b1 * g->rhs_batch_stride[1] +
                                   b2 * g->rhs_batch_stride[2];
                for (int32_t m = 0; m < g->rows; ++m) {
                    const int16_t *lrow = l + m * g->lhs_row_stride;
                    for (int32_t n = 0; n < g->cols; ++n) {
                        const int16_t *rcol = r + n * g->rhs_col_stride;
                        uint64_t total = 0;
                        for (int32_t k = 0; k < g->depth; ++k) {
                            const int64_t a = (int64_t)rcol[k * g->rhs_depth_stride] + p->rhs_offset;
                            const int64_t b = (int64_t)lrow[k * g->lhs_depth_stride] + p->lhs_offset;
                            total += (uint64_t)(a * b);
                        }
                        const int32_t v = mf_mbqm64((int64_t)total, p->output_multiplier, p->output_shift) +
                                          p->output_offset;
                        *output++ = (int16_t)mf_clamp_i32(v, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
