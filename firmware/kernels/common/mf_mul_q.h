/* MUL on one pair of quantised values (TFLM's arithmetic, double-rounding MBQM), shared by the s8
 * and s16 kernels: (x + input1 zero point) * (y + input2 zero point) requantised, + output zero
 * point, clamped to the activation range and stored as a T through out++. Private to the kernels. */
#ifndef MF_MUL_Q_H
#define MF_MUL_Q_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_MUL_Q_STEP(T, p, out, x, y)                                                                      \
    do {                                                                                                    \
        const int32_t prod = ((x) + (p)->input1_offset) * ((y) + (p)->input2_offset);                       \
        const int32_t out_ = (p)->output_offset + mf_mbqm(prod, (p)->output_multiplier, (p)->output_shift); \
        *(out)++ = (T)mf_clamp_i32(out_, (p)->act_min, (p)->act_max);                                       \
    } while (0)

#endif /* MF_MUL_Q_H */
