/* ADD and SUB, int8: Helium (MVE) kernel (nn.h "MVE variant"). TFLM's general rescaling, four
 * elements per vector: each input widened to 32-bit lanes (VLDRB.S32), offset, shifted left,
 * VQRDMULH (gemmlowp's SaturatingRoundingDoublingHighMul) and a rounding right shift that rounds
 * ties away from zero as gemmlowp's RoundingDivideByPOT does (VRSHL rounds them up: a negative value
 * is first lowered by one, saturating); the sum rescaled the same way, offset, clamped, narrowed on
 * the store (VSTRB.32). The last elements of a row run under a VCTP32 predicate. Rows whose inner
 * elements are contiguous in both inputs, or contiguous in one and a single value of the other
 * (broadcast), run vectorised; other broadcasts element by element. Reads the plain fields only
 * (every layout has them; the generator writes no dsp table for an mve target). Elements are read
 * before they are written, in increasing order, so the output may be one of the inputs (in place).
 * Where MVE does not exist (a host build) the elements go one by one through the same arithmetic. */
#include "mcuforge/broadcast.h"
#include "mf_mve_gemm.h"

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

#if defined(MF_MVE)
/* The call's constants, loaded once (the stores could alias *p): scalar operands where an MVE
 * instruction takes one, vectors elsewhere. */
typedef struct {
    int32_t off1, off2, mult1, mult2, mult_out, out_offset, left_shift;
    int32_t sign2; /* -1 for SUB (TFLM's rounding is not symmetric: the term is negated, not its multiplier) */
    int32x4_t neg1, neg2, neg_out; /* the (non-positive) shifts */
    int32x4_t lo, hi;
} add_consts;

/* gemmlowp's MultiplyByQuantizedMultiplierSmallerThanOne on four lanes (neg: the shift, <= 0): a
 * negative value is lowered by one when there is a right shift (neg's sign bit), so VRSHL's ties
 * move away from zero. */
static inline int32x4_t mbqm_small4(int32x4_t x, int32_t mult, int32x4_t neg)
{
    x = vqrdmulhq_n_s32(x, mult);
    x = vqaddq_s32(x, vshrq_n_s32(vandq_s32(x, neg), 31));
    return vrshlq_s32(x, neg);
}

/* One input's rescaled term, four lanes. */
static inline int32x4_t term4(const add_consts *c, int32x4_t x, int32_t offset, int32_t mult, int32x4_t neg)
{
    return mbqm_small4(vshlq_r_s32(vaddq_n_s32(x, offset), c->left_shift), mult, neg);
}

/* Input 2's rescaled term, negated for SUB. */
static inline int32x4_t term4_2(const add_consts *c, int32x4_t x)
{
    return vmulq_n_s32(term4(c, x, c->off2, c->mult2, c->neg2), c->sign2);
}

static inline int32x4_t out4(const add_consts *c, int32x4_t s1, int32x4_t s2)
{
    const int32x4_t raw = vaddq_s32(s1, s2);
    const int32x4_t o = vaddq_n_s32(mbqm_small4(raw, c->mult_out, c->neg_out), c->out_offset);
    return vminq_s32(vmaxq_s32(o, c->lo), c->hi);
}

/* n outputs of two contiguous inputs: whole vectors, then the last elements under a VCTP32
 * predicate. */
static void row_both(const add_consts *c, const int8_t *a, const int8_t *b, int8_t *out, int32_t n)
{
    for (; n >= 4; n -= 4, a += 4, b += 4, out += 4) {
        const int32x4_t s1 = term4(c, vldrbq_s32(a), c->off1, c->mult1, c->neg1);
        const int32x4_t s2 = term4_2(c, vldrbq_s32(b));
        vstrbq_s32(out, out4(c, s1, s2));
    }
    if (n > 0) {
        const mve_pred16_t pr = vctp32q((uint32_t)n);
        const int32x4_t s1 = term4(c, vldrbq_z_s32(a, pr), c->off1, c->mult1, c->neg1);
        const int32x4_t s2 = term4_2(c, vldrbq_z_s32(b, pr));
        vstrbq_p_s32(out, out4(c, s1, s2), pr);
    }
}

/* n outputs of one contiguous input x (offset, multiplier, shift of its operand; its term times
 * sign) plus the other operand's signed term t in every lane. */
static void row_one(const add_consts *c, const int8_t *x, int32_t off, int32_t mult, int32x4_t neg, int32_t sign,
                    int32x4_t t, int8_t *out, int32_t n)
{
    for (; n >= 4; n -= 4, x += 4, out += 4) {
        vstrbq_s32(out, out4(c, vmulq_n_s32(term4(c, vldrbq_s32(x), off, mult, neg), sign), t));
    }
    if (n > 0) {
        const mve_pred16_t pr = vctp32q((uint32_t)n);
        vstrbq_p_s32(out, out4(c, vmulq_n_s32(term4(c, vldrbq_z_s32(x, pr), off, mult, neg), sign), t), pr);
    }
}
#endif

void mf_add_s8(const mf_add_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
#if defined(MF_MVE)
    const add_consts c = {p->input1_offset, p->input2_offset, p->input1_multiplier, p->input2_multiplier,
                          p->output_multiplier, p->output_offset, p->left_shift, p->subtract ? -1 : 1,
                          vdupq_n_s32(p->input1_shift), vdupq_n_s32(p->input2_shift), vdupq_n_s32(p->output_shift),
                          vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max)};
#endif
    for (int32_t r = 0; r < rows; ++r, output += bc->inner) {
        const int8_t *a = input1 + it.off1;
        const int8_t *b = input2 + it.off2;
#if defined(MF_MVE)
        const int32_t s1 = bc->inner == 1 ? 1 : bc->inner_stride1, s2 = bc->inner == 1 ? 1 : bc->inner_stride2;
        if (s1 == 1 && s2 == 1) {
            row_both(&c, a, b, output, bc->inner);
            mf_broadcast_next(bc, &it);
            continue;
        }
        if (s1 == 1 && s2 == 0) {
            const int32x4_t t = term4_2(&c, vdupq_n_s32(b[0]));
            row_one(&c, a, c.off1, c.mult1, c.neg1, 1, t, output, bc->inner);
            mf_broadcast_next(bc, &it);
            continue;
        }
        if (s1 == 0 && s2 == 1) {
            const int32x4_t t = term4(&c, vdupq_n_s32(a[0]), c.off1, c.mult1, c.neg1);
            row_one(&c, b, c.off2, c.mult2, c.neg2, c.sign2, t, output, bc->inner);
            mf_broadcast_next(bc, &it);
            continue;
        }
#endif
        for (int32_t k = 0; k < bc->inner; ++k) {
            output[k] = add_one(p, a[k * bc->inner_stride1], b[k * bc->inner_stride2]);
        }
        mf_broadcast_next(bc, &it);
    }
}
