/* SQUARED_DIFFERENCE on one pair of quantised values (TFLM's arithmetic), shared by the s8 and s16
 * kernels. Private to the kernels. */
#ifndef MF_SQUARED_DIFFERENCE_Q_H
#define MF_SQUARED_DIFFERENCE_Q_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static inline int32_t mf_squared_difference_q(const mf_squared_difference_q_params *p, int32_t a, int32_t b)
{
    const int32_t scale = (int32_t)1 << p->left_shift;
    const int32_t x = mf_mbqm_smaller_than_one((a + p->input1_offset) * scale, p->input1_multiplier,
                                               p->input1_shift);
    const int32_t y = mf_mbqm_smaller_than_one((b + p->input2_offset) * scale, p->input2_multiplier,
                                               p->input2_shift);
    const uint32_t d = (uint32_t)x - (uint32_t)y;
    const uint32_t sq = d * d;
    const int32_t sq32 = sq <= (uint32_t)INT32_MAX ? (int32_t)sq : -(int32_t)(~sq) - 1;
    const int32_t v = mf_mbqm(sq32, p->output_multiplier, p->output_shift) + p->output_offset;
    return mf_clamp_i32(v, p->act_min, p->act_max);
}

#endif /* MF_SQUARED_DIFFERENCE_Q_H */
