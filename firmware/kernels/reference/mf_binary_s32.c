/* Binary int32 ops with broadcasting (ADD, SUB, MUL, DIV, SQUARED_DIFFERENCE, MAXIMUM, MINIMUM):
 * reference kernel; wrapping arithmetic as TFLM's int32 kernels overflow. */
#include "../common/mf_broadcast_walk.h"
#include "mcuforge/nn.h"

static int32_t wrap(uint32_t v)
{
    return v <= (uint32_t)INT32_MAX ? (int32_t)v : -(int32_t)(~v) - 1;
}

/* Kept apart on purpose from mf_binary_f32.c's apply(): the int32 formulas wrap (TFLM's overflow). */
static int32_t apply(int32_t fn, int32_t a, int32_t b)
{
    switch (fn) {
    case MF_BIN_ADD:
        return wrap((uint32_t)a + (uint32_t)b);
    case MF_BIN_SUB:
        return wrap((uint32_t)a - (uint32_t)b);
    case MF_BIN_MUL:
        return wrap((uint32_t)a * (uint32_t)b);
    case MF_BIN_DIV:
        if (b == 0) {
            return 0;
        }
        if (b == -1) {
            return wrap(0u - (uint32_t)a);
        }
        return a / b;
    case MF_BIN_SQUARED_DIFFERENCE: {
        const uint32_t d = (uint32_t)a - (uint32_t)b;
        return wrap(d * d);
    }
    case MF_BIN_MAXIMUM:
        return a > b ? a : b;
    default:
        return a < b ? a : b;
    }
}

#define MF_BINARY_S32_STEP(out, x, y)               \
    do {                                            \
        int32_t v = apply(p->fn, (x), (y));         \
        v = v < p->act_min ? p->act_min : v;        \
        *(out)++ = v > p->act_max ? p->act_max : v; \
    } while (0)

void mf_binary_s32(const mf_binary_s32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output)
{
    const mf_broadcast *bc = &p->bc;
    MF_BROADCAST_WALK(bc, int32_t, input1, int32_t, input2, output, MF_BINARY_S32_STEP);
}
