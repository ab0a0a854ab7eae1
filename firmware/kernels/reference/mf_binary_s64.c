/* MAXIMUM and MINIMUM on int64 with broadcasting: reference kernel. */
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

void mf_binary_s64(const mf_binary_s64_params *p, const int64_t *input1, const int64_t *input2, int64_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    const int is_max = p->fn == MF_BIN_MAXIMUM;
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int64_t *a = input1 + it.off1;
        const int64_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            const int64_t x = a[k * bc->inner_stride1];
            const int64_t y = b[k * bc->inner_stride2];
            *output++ = is_max ? (x > y ? x : y) : (x < y ? x : y);
        }
        mf_broadcast_next(bc, &it);
    }
}
