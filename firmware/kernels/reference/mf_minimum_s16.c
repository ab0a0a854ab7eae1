/* MINIMUM, int16, with broadcasting: reference kernel (raw values compared, as TFLM). */
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

void mf_minimum_s16(const mf_broadcast *p, const int16_t *input1, const int16_t *input2, int16_t *output)
{
    const int32_t rows = mf_broadcast_rows(p);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int16_t *a = input1 + it.off1;
        const int16_t *b = input2 + it.off2;
        for (int32_t k = 0; k < p->inner; ++k) {
            const int16_t x = a[k * p->inner_stride1];
            const int16_t y = b[k * p->inner_stride2];
            *output++ = x < y ? x : y;
        }
        mf_broadcast_next(p, &it);
    }
}
