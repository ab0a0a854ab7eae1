/* PRELU on one quantised element (TFLM's two rescalings), shared by the s8 and s16 kernels:
 * x = input + input zero point; x >= 0 is rescaled by (multiplier_1, shift_1), else x * (alpha +
 * alpha zero point) by (multiplier_2, shift_2); then + output zero point, clamped to [LO, HI] and
 * stored as a T through out++ (alpha is read only when x < 0). Private to the kernels. */
#ifndef MF_PRELU_Q_H
#define MF_PRELU_Q_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_PRELU_Q_STEP(T, LO, HI, p, out, in, alpha)                           \
    do {                                                                        \
        const int32_t x = (p)->input_offset + (in);                             \
        int32_t v;                                                              \
        if (x >= 0) {                                                           \
            v = mf_mbqm(x, (p)->output_multiplier_1, (p)->output_shift_1);      \
        } else {                                                                \
            const int32_t al = (p)->alpha_offset + (alpha);                     \
            v = mf_mbqm(x * al, (p)->output_multiplier_2, (p)->output_shift_2); \
        }                                                                       \
        *(out)++ = (T)mf_clamp_i32(v + (p)->output_offset, (LO), (HI));         \
    } while (0)

#endif /* MF_PRELU_Q_H */
