/* Binary float32 ops with broadcasting (DIV, FLOOR_DIV, FLOOR_MOD, SQUARED_DIFFERENCE): reference
 * kernel with TFLM's formulas. */
#include <math.h>

#include "mcuforge/broadcast.h"
#include "mcuforge/nn.h"

static float apply(int32_t fn, float a, float b)
{
    switch (fn) {
    case MF_BIN_DIV:
        return a / b;
    case MF_BIN_FLOOR_DIV:
        return (float)floor((double)a / (double)b);
    case MF_BIN_FLOOR_MOD: {
        const float m = fmodf(a, b);
        return (m != 0.0f && ((b < 0.0f) != (m < 0.0f))) ? m + b : m;
    }
    case MF_BIN_SQUARED_DIFFERENCE: {
        const float d = a - b;
        return d * d;
    }
    case MF_BIN_ADD:
        return a + b;
    case MF_BIN_SUB:
        return a - b;
    case MF_BIN_MUL:
        return a * b;
    case MF_BIN_MAXIMUM:
        return a > b ? a : b;
    default:
        return a < b ? a : b;
    }
}

void mf_binary_f32(const mf_binary_f32_params *p, const float *input1, const float *input2, float *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const float *a = input1 + it.off1;
        const float *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            float v = apply(p->fn, a[k * bc->inner_stride1], b[k * bc->inner_stride2]);
            v = v < p->act_min ? p->act_min : v;
            *output++ = v > p->act_max ? p->act_max : v;
        }
        mf_broadcast_next(bc, &it);
    }
}
