/* CAST between int8, int16, int32, uint32, float32 and bool (input only): reference kernel, the
 * C conversion of each element (TFLM's static_cast). Type codes are TFLite TensorType numbers. */
#include <string.h>

#include "mcuforge/nn.h"

enum { T_FLOAT32 = 0, T_INT32 = 2, T_BOOL = 6, T_INT16 = 7, T_INT8 = 9, T_UINT32 = 15 };

/* Defines NAME(type, out, i, v): out[i] = v (a V_T) converted to the element type `type`, a uint32
 * output taking TO_UINT32(v). Narrowing an integer wraps modulo 2^n (GCC's conversion, as in TFLM's
 * build). */
#define MF_CAST_DEFINE_STORE(NAME, V_T, TO_UINT32)              \
    static void NAME(int32_t type, void *out, int32_t i, V_T v) \
    {                                                           \
        switch (type) {                                         \
        case T_INT8:                                            \
            ((int8_t *)out)[i] = (int8_t)v;                     \
            break;                                              \
        case T_INT16:                                           \
            ((int16_t *)out)[i] = (int16_t)v;                   \
            break;                                              \
        case T_INT32:                                           \
            ((int32_t *)out)[i] = (int32_t)v;                   \
            break;                                              \
        case T_UINT32:                                          \
            ((uint32_t *)out)[i] = TO_UINT32(v);                \
            break;                                              \
        default:                                                \
            ((float *)out)[i] = (float)v;                       \
            break;                                              \
        }                                                       \
    }

#define MF_CAST_INT_TO_UINT32(v) (uint32_t)(v)
/* saturating, as Cortex-M's VCVT (C leaves negatives undefined) */
#define MF_CAST_FLOAT_TO_UINT32(v) ((v) <= 0.0f ? 0u : ((v) >= 4294967296.0f ? 0xFFFFFFFFu : (uint32_t)(v)))

MF_CAST_DEFINE_STORE(store_int, int64_t, MF_CAST_INT_TO_UINT32)
MF_CAST_DEFINE_STORE(store_float, float, MF_CAST_FLOAT_TO_UINT32)

void mf_cast(const mf_cast_params *p, const void *input, void *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        /* One case per input type, alike on purpose: each reads its own element type. */
        switch (p->in_type) {
        case T_FLOAT32:
            store_float(p->out_type, output, i, ((const float *)input)[i]);
            break;
        case T_INT8:
            store_int(p->out_type, output, i, ((const int8_t *)input)[i]);
            break;
        case T_INT16:
            store_int(p->out_type, output, i, ((const int16_t *)input)[i]);
            break;
        case T_INT32:
            store_int(p->out_type, output, i, ((const int32_t *)input)[i]);
            break;
        case T_UINT32:
            store_int(p->out_type, output, i, ((const uint32_t *)input)[i]);
            break;
        default: /* T_BOOL */
            store_int(p->out_type, output, i, ((const uint8_t *)input)[i] != 0);
            break;
        }
    }
}
