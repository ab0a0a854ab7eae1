/* Comparisons on uint8_t values with broadcasting: reference kernel (raw values, as TFLM; any non-zero byte is true). */
#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

static uint8_t compare(int32_t cmp, uint8_t x, uint8_t y)
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

void mf_compare_b8(const mf_compare_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const uint8_t *a = input1 + it.off1;
        const uint8_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            *output++ = compare(p->cmp, a[k * bc->inner_stride1] != 0, b[k * bc->inner_stride2] != 0);
        }
        mf_broadcast_next(bc, &it);
    }
}
