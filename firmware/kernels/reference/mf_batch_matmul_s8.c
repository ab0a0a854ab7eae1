/* BATCH_MATMUL, int8_t (TFLM): the depth sum of (rhs + rhs_offset) * (lhs + lhs_offset) in int32_t
 * (wrapping), then mf_mbqm, the output offset and the clamp. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_batch_matmul_s8(const mf_batch_matmul_q_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output)
{
    const mf_batch_matmul_geometry *g = &p->g;
    for (int32_t b0 = 0; b0 < g->batch[0]; ++b0) {
        for (int32_t b1 = 0; b1 < g->batch[1]; ++b1) {
            for (int32_t b2 = 0; b2 < g->batch[2]; ++b2) {
                const int8_t *l = lhs + b0 * g->lhs_batch_stride[0] + b1 * g->lhs_batch_stride[1] +
                                  b2 * g->lhs_batch_stride[2];
                const int8_t *r = rhs + b0 * g->rhs_batch_stride[0] + b1 * g->rhs_batch_stride[1] +
                                  b2 * g->rhs_batch_stride[2];
                for (int32_t m = 0; m < g->rows; ++m) {
                    const int8_t *lrow = l + m * g->lhs_row_stride;
                    for (int32_t n = 0; n < g->cols; ++n) {
                        const int8_t *rcol = r + n * g->rhs_col_stride;
                        uint32_t total = 0;
                        for (int32_t k = 0; k < g->depth; ++k) {
                            const int32_t a = (int32_t)rcol[k * g->rhs_depth_stride] + p->rhs_offset;
                            const int32_t b = (int32_t)lrow[k * g->lhs_depth_stride] + p->lhs_offset;
                            total += (uint32_t)(a * b);
                        }
                        const int32_t v = mf_mbqm((int32_t)total, p->output_multiplier, p->output_shift) +
                                          p->output_offset;
                        *output++ = (int8_t)mf_clamp_i32(v, p->act_min, p->act_max);
                    }
                }
            }
        }
    }
}
