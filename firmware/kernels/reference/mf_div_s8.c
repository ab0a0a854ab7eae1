/* DIV, int8, with broadcasting: reference kernel (TFLM's reciprocal-based quantised division). */
#include "mcuforge/broadcast.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* Leading sign bits of x (GCC's __builtin_clrsb): 31 for 0 and -1. */
static int leading_sign_bits(int32_t x)
{
    uint32_t u = x < 0 ? ~(uint32_t)x : (uint32_t)x;
    int n = 0;
    while (n < 31 && !(u & 0x40000000u)) {
        u <<= 1;
        ++n;
    }
    return n;
}

static int8_t divide(const mf_div_s8_params *p, int32_t a, int32_t b)
{
    a += p->input1_offset;
    b += p->input2_offset;
    if (b == 0) {
        return (int8_t)(a > 0 ? p->act_max : a < 0 ? p->act_min : mf_clamp_i32(p->output_offset, p->act_min, p->act_max));
    }
    if (b < 0) {
        a = -a;
        b = -b;
    }
    int recip_shift;
    const int32_t inv = mf_fp_reciprocal(b, 31, &recip_shift);
    const int headroom = leading_sign_bits(a);
    const int32_t quotient = mf_mbqm_greater_than_one(a, inv, headroom);
    const int32_t total_shift = p->output_shift - recip_shift - headroom;
    const int32_t v = p->output_offset + mf_mbqm_smaller_than_one(quotient, p->output_multiplier, total_shift);
    return (int8_t)mf_clamp_i32(v, p->act_min, p->act_max);
}

void mf_div_s8(const mf_div_s8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *a = input1 + it.off1;
        const int8_t *b = input2 + it.off2;
        for (int32_t k = 0; k < bc->inner; ++k) {
            *output++ = divide(p, a[k * bc->inner_stride1], b[k * bc->inner_stride2]);
        }
        mf_broadcast_next(bc, &it);
    }
}
