/* PRELU, float32, alpha broadcast against the input: reference kernel. */
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

void mf_prelu_f32(const mf_prelu_f32_params *p, const float *input, const float *alpha, float *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const float *a = input + it.off1;
        const float *b = alpha + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            const float x = a[k * bc->inner_stride1];
            *output++ = x >= 0.0f ? x : x * b[k * bc->inner_stride2];
        }
        mf_broadcast_next(bc, &it);
    }
}
