/* CUMSUM, int8 (TFLM's rescaled running sum; see mf_cumsum_s8_params in nn.h). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static int32_t scaled(const mf_cumsum_s8_params *p, int32_t x)
{
    return mf_mbqm_smaller_than_one((int32_t)((uint32_t)x << p->left_shift), p->input_multiplier, p->input_shift);
}

void mf_cumsum_s8(const mf_cumsum_s8_params *p, const int8_t *input, int8_t *output)
{
    const ptrdiff_t inner = p->inner;
    const ptrdiff_t step = p->reverse ? -inner : inner;
    const int32_t start = scaled(p, p->input_offset);
    for (int32_t o = 0; o < p->outer; ++o) {
        for (ptrdiff_t k = 0; k < inner; ++k) {
            ptrdiff_t i = ((ptrdiff_t)o * p->depth + (p->reverse ? p->depth - 1 : 0)) * inner + k;
            uint32_t acc = (uint32_t)start; /* wraps like TFLM's int32 running sum */
            for (int32_t d = 0; d < p->depth; ++d, i += step) {
                const uint32_t y = (uint32_t)scaled(p, p->input_offset + input[i]);
                uint32_t sum;
                if (p->exclusive) {
                    sum = acc;
                    acc += y;
                } else {
                    acc += y;
                    sum = acc;
                }
                const int32_t v = mf_mbqm_smaller_than_one((int32_t)sum, p->output_multiplier, p->output_shift)
                                  + p->output_offset;
                output[i] = (int8_t)mf_clamp_i32(v, -128, 127);
            }
        }
    }
}
