/* Private to the kernels: QUANTIZE float32 -> integer (TFLM AffineQuantize: a float division, roundf),
 * written once for the int8 and int16 reference kernels. */
#ifndef MF_AFFINE_QUANTIZE_H
#define MF_AFFINE_QUANTIZE_H

#include <math.h>

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* OUTPUT[i] (an OUT_T in [LO, HI]) = clamp(roundf(INPUT[i] / scale) + zero_point) for the p->size
 * elements (P: const mf_affine_params *). The rounded value saturates to +-2^30 before its conversion
 * (TFLM's conversion of out-of-range values is undefined); NaN -> 0. */
#define MF_AFFINE_QUANTIZE(P, INPUT, OUTPUT, OUT_T, LO, HI)                                                  \
    for (int32_t i = 0; i < (P)->size; ++i) {                                                                \
        float q = roundf((INPUT)[i] / (P)->scale);                                                           \
        q = q < -1073741824.0f ? -1073741824.0f : (q > 1073741824.0f ? 1073741824.0f : (q == q ? q : 0.0f)); \
        const int32_t v = (int32_t)q + (P)->zero_point;                                                      \
        (OUTPUT)[i] = (OUT_T)mf_clamp_i32(v, (LO), (HI));                                                    \
    }

#endif /* MF_AFFINE_QUANTIZE_H */
