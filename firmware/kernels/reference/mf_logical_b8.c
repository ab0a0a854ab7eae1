/* LOGICAL_AND and LOGICAL_OR on bools with broadcasting: reference kernel. */
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

void mf_logical_b8(const mf_logical_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    const int is_or = p->op == MF_LOGICAL_OR;
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const uint8_t *a = input1 + it.off1;
        const uint8_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            const int x = a[k * bc->inner_stride1] != 0;
            const int y = b[k * bc->inner_stride2] != 0;
            *output++ = (uint8_t)(is_or ? (x || y) : (x && y));
        }
        mf_broadcast_next(bc, &it);
    }
}
