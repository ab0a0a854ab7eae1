/* ADD and SUB, int8 (TFLM's general rescaling path), with broadcasting: reference kernel. */
#include "mcuforge/broadcast.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static inline int8_t add_one(const mf_add_q_params *p, int32_t a, int32_t b)
{
    const int32_t x1 = (int32_t)((uint32_t)(a + p->input1_offset) << p->left_shift);
    const int32_t x2 = (int32_t)((uint32_t)(b + p->input2_offset) << p->left_shift);
    const int32_t s1 = mf_mbqm_smaller_than_one(x1, p->input1_multiplier, p->input1_shift);
    const int32_t s2 = mf_mbqm_smaller_than_one(x2, p->input2_multiplier, p->input2_shift);
    const int32_t raw = p->subtract ? s1 - s2 : s1 + s2;
    const int32_t out = mf_mbqm_smaller_than_one(raw, p->output_multiplier, p->output_shift) + p->output_offset;
    return (int8_t)mf_clamp_i32(out, p->act_min, p->act_max);
}

void mf_add_s8(const mf_add_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *a = input1 + it.off1;
        const int8_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            *output++ = add_one(p, a[k * bc->inner_stride1], b[k * bc->inner_stride2]);
        }
        mf_broadcast_next(bc, &it);
    }
}
