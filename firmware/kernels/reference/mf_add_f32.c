/* ADD and SUB, float32, with broadcasting: reference kernel (TFLM semantics). */
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

void mf_add_f32(const mf_arith_f32_params *p, const float *input1, const float *input2, float *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const float *a = input1 + it.off1;
        const float *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            const float x = a[k * bc->inner_stride1];
            const float y = b[k * bc->inner_stride2];
            float v = p->subtract ? x - y : x + y;
            v = v < p->act_min ? p->act_min : v;
            *output++ = v > p->act_max ? p->act_max : v;
        }
        mf_broadcast_next(bc, &it);
    }
}
