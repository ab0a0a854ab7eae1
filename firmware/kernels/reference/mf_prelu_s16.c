/* PRELU, int16_t input with int8 alpha broadcast against it: reference kernel (TFLM's two rescalings). */
#include "mcuforge/broadcast.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_prelu_s16(const mf_prelu_q_params *p, const int16_t *input, const int8_t *alpha, int16_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int16_t *a = input + it.off1;
        const int8_t *b = alpha + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            const int32_t x = p->input_offset + a[k * bc->inner_stride1];
            int32_t v;
            if (x >= 0) {
                v = mf_mbqm(x, p->output_multiplier_1, p->output_shift_1);
            } else {
                const int32_t al = p->alpha_offset + b[k * bc->inner_stride2];
                v = mf_mbqm(x * al, p->output_multiplier_2, p->output_shift_2);
            }
            *output++ = (int16_t)mf_clamp_i32(v + p->output_offset, -32768, 32767);
        }
        mf_broadcast_next(bc, &it);
    }
}
