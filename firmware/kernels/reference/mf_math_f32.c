/* Float32 unary math (ABS, NEG, CEIL, FLOOR, ROUND, SQRT, RSQRT, SQUARE, EXP, LOG, SIN, COS, ELU):
 * reference kernel, one C library call per element as TFLM makes it. */
#include <math.h>

#include "mcuforge/nn.h"

/* TFLM RoundToNearest: floor, then halves go to the even neighbour. */
static float round_to_nearest(float x)
{
    const float f = floorf(x);
    const float diff = x - f;
    if (diff < 0.5f || (diff == 0.5f && (int32_t)f % 2 == 0)) {
        return f;
    }
    return f + 1.0f;
}

void mf_math_f32(const mf_math_f32_params *p, const float *input, float *output)
{
    const int32_t n = p->size;
    int32_t i;
    /* One loop per function, repeated on purpose: the function is chosen once, not per element. */
    switch (p->fn) {
    case MF_MATH_ABS:
        for (i = 0; i < n; ++i) output[i] = fabsf(input[i]);
        break;
    case MF_MATH_NEG:
        for (i = 0; i < n; ++i) output[i] = -input[i];
        break;
    case MF_MATH_CEIL:
        for (i = 0; i < n; ++i) output[i] = ceilf(input[i]);
        break;
    case MF_MATH_FLOOR:
        for (i = 0; i < n; ++i) output[i] = floorf(input[i]);
        break;
    case MF_MATH_ROUND:
        for (i = 0; i < n; ++i) output[i] = round_to_nearest(input[i]);
        break;
    case MF_MATH_SQRT:
        for (i = 0; i < n; ++i) output[i] = sqrtf(input[i]);
        break;
    case MF_MATH_RSQRT:
        for (i = 0; i < n; ++i) output[i] = 1.0f / sqrtf(input[i]);
        break;
    case MF_MATH_SQUARE:
        for (i = 0; i < n; ++i) output[i] = input[i] * input[i];
        break;
    case MF_MATH_EXP:
        for (i = 0; i < n; ++i) output[i] = expf(input[i]);
        break;
    case MF_MATH_LOG:
        for (i = 0; i < n; ++i) output[i] = logf(input[i]);
        break;
    case MF_MATH_SIN:
        for (i = 0; i < n; ++i) output[i] = sinf(input[i]);
        break;
    case MF_MATH_COS:
        for (i = 0; i < n; ++i) output[i] = cosf(input[i]);
        break;
    case MF_MATH_ELU:
        for (i = 0; i < n; ++i) output[i] = input[i] < 0.0f ? expm1f(input[i]) : input[i];
        break;
    default:
        break;
    }
}
