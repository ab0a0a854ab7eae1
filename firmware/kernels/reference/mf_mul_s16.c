/* MUL, int16, with broadcasting: reference kernel (TFLM semantics, double-rounding MBQM). */
#include "mcuforge/broadcast.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_mul_s16(const mf_mul_q_params *p, const int16_t *input1, const int16_t *input2, int16_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int16_t *a = input1 + it.off1;
        const int16_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            const int32_t prod = (a[k * bc->inner_stride1] + p->input1_offset) *
                                 (b[k * bc->inner_stride2] + p->input2_offset);
            const int32_t out = p->output_offset + mf_mbqm(prod, p->output_multiplier, p->output_shift);
            *output++ = (int16_t)mf_clamp_i32(out, p->act_min, p->act_max);
        }
        mf_broadcast_next(bc, &it);
    }
}
