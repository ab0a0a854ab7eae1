/* Comparisons on int8 with broadcasting: reference kernel (TFLM's rescaled values, so operands of
 * different scales compare by their real values). */
#include "mcuforge/broadcast.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static uint8_t compare(int32_t cmp, int32_t x, int32_t y)
{
    switch (cmp) {
    case MF_CMP_EQUAL:
        return x == y;
    case MF_CMP_NOT_EQUAL:
        return x != y;
    case MF_CMP_GREATER:
        return x > y;
    case MF_CMP_GREATER_EQUAL:
        return x >= y;
    case MF_CMP_LESS:
        return x < y;
    default:
        return x <= y;
    }
}

void mf_compare_s8(const mf_compare_s8_params *p, const int8_t *input1, const int8_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    const int32_t scale = (int32_t)1 << p->left_shift;
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *a = input1 + it.off1;
        const int8_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            const int32_t x = mf_mbqm_smaller_than_one((a[k * bc->inner_stride1] + p->input1_offset) * scale,
                                                       p->input1_multiplier, p->input1_shift);
            const int32_t y = mf_mbqm_smaller_than_one((b[k * bc->inner_stride2] + p->input2_offset) * scale,
                                                       p->input2_multiplier, p->input2_shift);
            *output++ = compare(p->cmp, x, y);
        }
        mf_broadcast_next(bc, &it);
    }
}
