/* BATCH_MATMUL, int16_t (TFLM): the depth sum of (rhs + rhs_offset) * (lhs + lhs_offset) in int64_t
 * (wrapping), then mf_mbqm64, the output offset and the clamp. */
#include "../common/mf_batch_matmul.h"
#include "mcuforge/nn.h"

#define MF_BATCH_MATMUL_S16_MAC(total, l, r) MF_BATCH_MATMUL_Q_MAC(int64_t, uint64_t, total, l, r)
#define MF_BATCH_MATMUL_S16_STORE(out, total) MF_BATCH_MATMUL_Q_STORE(int16_t, int64_t, mf_mbqm64, out, total)

void mf_batch_matmul_s16(const mf_batch_matmul_q_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output)
{
    const mf_batch_matmul_geometry *g = &p->g;
    MF_BATCH_MATMUL_LOOPS(g, lhs, rhs, output, int16_t, uint64_t, MF_BATCH_MATMUL_S16_MAC, MF_BATCH_MATMUL_S16_STORE);
}
