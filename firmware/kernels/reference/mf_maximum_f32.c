/* MAXIMUM, float, with broadcasting: reference kernel (raw values compared, as TFLM). */
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

void mf_maximum_f32(const mf_broadcast *p, const float *input1, const float *input2, float *output)
{
    const int32_t rows = mf_broadcast_rows(p);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const float *a = input1 + it.off1;
        const float *b = input2 + it.off2;
        for (int32_t k = 0; k < p->inner; ++k) {
            const float x = a[k * p->inner_stride1];
            const float y = b[k * p->inner_stride2];
            *output++ = x > y ? x : y;
        }
        mf_broadcast_next(p, &it);
    }
}
