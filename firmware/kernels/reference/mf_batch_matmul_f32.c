/* BATCH_MATMUL, float32: out[b][m][n] = sum over k in order of lhs[b][m][k] * rhs[b][k][n], from 0.0f. */
#include "../common/mf_batch_matmul.h"
#include "mcuforge/nn.h"

#define MF_BATCH_MATMUL_F32_MAC(total, l, r) ((total) += (l) * (r))
#define MF_BATCH_MATMUL_F32_STORE(out, total) (*(out)++ = (total))

void mf_batch_matmul_f32(const mf_batch_matmul_geometry *g, const float *lhs, const float *rhs, float *output)
{
    MF_BATCH_MATMUL_LOOPS(g, lhs, rhs, output, float, float, MF_BATCH_MATMUL_F32_MAC, MF_BATCH_MATMUL_F32_STORE);
}
