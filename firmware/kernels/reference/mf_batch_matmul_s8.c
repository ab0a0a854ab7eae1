/* BATCH_MATMUL, int8_t (TFLM): the depth sum of (rhs + rhs_offset) * (lhs + lhs_offset) in int32_t
 * (wrapping), then mf_mbqm, the output offset and the clamp. */
#include "../common/mf_batch_matmul.h"
#include "mcuforge/nn.h"

#define MF_BATCH_MATMUL_S8_MAC(total, l, r) MF_BATCH_MATMUL_Q_MAC(int32_t, uint32_t, total, l, r)
#define MF_BATCH_MATMUL_S8_STORE(out, total) MF_BATCH_MATMUL_Q_STORE(int8_t, int32_t, mf_mbqm, out, total)

void mf_batch_matmul_s8(const mf_batch_matmul_q_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output)
{
    const mf_batch_matmul_geometry *g = &p->g;
    MF_BATCH_MATMUL_LOOPS(g, lhs, rhs, output, int8_t, uint32_t, MF_BATCH_MATMUL_S8_MAC, MF_BATCH_MATMUL_S8_STORE);
}
