/* SQUARED_DIFFERENCE, int8_t, with broadcasting: reference kernel (TFLM's rescaled difference). */
#include "../common/mf_squared_difference_q.h"
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

void mf_squared_difference_s8(const mf_squared_difference_q_params *p, const int8_t *input1,
                              const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *a = input1 + it.off1;
        const int8_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            *output++ = (int8_t)mf_squared_difference_q(p, a[k * bc->inner_stride1], b[k * bc->inner_stride2]);
        }
        mf_broadcast_next(bc, &it);
    }
}
