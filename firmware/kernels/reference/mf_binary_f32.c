/* Binary float32 ops with broadcasting (DIV, FLOOR_DIV, FLOOR_MOD, SQUARED_DIFFERENCE): reference
 * kernel with TFLM's formulas. */
#include <math.h>

#include "../common/mf_broadcast_walk.h"
#include "mcuforge/nn.h"

/* Kept apart on purpose from mf_binary_s32.c's apply(), which it resembles case by case: each type
 * has its own formulas (float division and fmodf here, wrapping 32-bit arithmetic there). */
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

#define MF_BINARY_F32_STEP(out, x, y)               \
    do {                                            \
        float v = apply(p->fn, (x), (y));           \
        v = v < p->act_min ? p->act_min : v;        \
        *(out)++ = v > p->act_max ? p->act_max : v; \
    } while (0)

void mf_binary_f32(const mf_binary_f32_params *p, const float *input1, const float *input2, float *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, float, input1, float, input2, output, MF_BINARY_F32_STEP);
}
