/* ADD / SUB on one pair of quantised values (TFLM's general rescaling path), shared by the s8 and
 * s16 kernels: both operands rescaled to a common scale, added (subtracted), rescaled to the output
 * and clamped to the activation range. MF_DEFINE_ADD_Q(NAME, T) defines it as a static function
 * returning a T. Private to the kernels. */
#ifndef MF_ADD_Q_H
#define MF_ADD_Q_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#define MF_DEFINE_ADD_Q(NAME, T)                                                                                     \
    static inline T NAME(const mf_add_q_params *p, int32_t a, int32_t b)                                             \
    {                                                                                                                \
        const int32_t x1 = (int32_t)((uint32_t)(a + p->input1_offset) << p->left_shift);                             \
        const int32_t x2 = (int32_t)((uint32_t)(b + p->input2_offset) << p->left_shift);                             \
        const int32_t s1 = mf_mbqm_smaller_than_one(x1, p->input1_multiplier, p->input1_shift);                      \
        const int32_t s2 = mf_mbqm_smaller_than_one(x2, p->input2_multiplier, p->input2_shift);                      \
        const int32_t raw = p->subtract ? s1 - s2 : s1 + s2;                                                         \
        const int32_t out = mf_mbqm_smaller_than_one(raw, p->output_multiplier, p->output_shift) + p->output_offset; \
        return (T)mf_clamp_i32(out, p->act_min, p->act_max);                                                         \
    }

#endif /* MF_ADD_Q_H */
