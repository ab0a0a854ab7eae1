/* Private to the kernels: TFLM's Requantize between integer types when one side is int32, written once
 * for the s8 / s16 -> s32 and s32 -> s8 / s16 kernels. The input minus its zero point and the
 * rescaled value plus the output zero point wrap in 32 bits as TFLM's int32 arithmetic does; then
 * the clamp to the activation range. */
#ifndef MF_REQUANTIZE_WRAPPING_H
#define MF_REQUANTIZE_WRAPPING_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* OUTPUT[i] (an OUT_T) = requantised INPUT[i] for the p->size elements (P: const mf_requantize_params *). */
#define MF_REQUANTIZE_WRAPPING(P, INPUT, OUTPUT, OUT_T)                                     \
    for (int32_t i = 0; i < (P)->size; ++i) {                                               \
        const uint32_t x = (uint32_t)(INPUT)[i] - (uint32_t)(P)->input_zero_point;          \
        const int32_t centred = x <= (uint32_t)INT32_MAX ? (int32_t)x : -(int32_t)(~x) - 1; \
        const int32_t v = mf_mbqm(centred, (P)->multiplier, (P)->shift);                    \
        const uint32_t s = (uint32_t)v + (uint32_t)(P)->output_zero_point;                  \
        const int32_t out = s <= (uint32_t)INT32_MAX ? (int32_t)s : -(int32_t)(~s) - 1;     \
        (OUTPUT)[i] = (OUT_T)mf_clamp_i32(out, (P)->act_min, (P)->act_max);                 \
    }

#endif /* MF_REQUANTIZE_WRAPPING_H */
