/* MUL, int8: DSP-extension kernel. TFLM: out = clamp(output_offset + MBQM((a + o1) (b + o2))). The
 * offsets are added to four inputs at a time in 16-bit lanes (SXTAB16, one operand's lanes doubled),
 * each X = 2 * product is one 16x16 multiply (SMULBB/SMULTT), and it is rescaled by a single SMMLAR
 * where codegen/ops/dsp_pack.py proved that exact for every product the offsets allow (dsp_requant
 * MF_DSP_RQ_FAST*, the record dsp_rq; FAST_FLOOR without the tie correction), else by TFLM's MBQM.
 * Rows whose operands both advance (same shapes, a broadcast by channel: the operand's row repeats)
 * and rows against a single value (a scalar operand) run four elements at a time. Elements are read
 * and written in increasing order, element k's reads before its write, so the output may be one of
 * the inputs (in place). */
#include "mcuforge/broadcast.h"
#include "mcuforge/dsp.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

typedef struct {
    int32_t m, c, rs;
} mul_rq;

/* one output from X = 2 * product (nn.h, MF_DSP_RQ_FAST*: record (0, m, c, rs)) */
#define MF_MUL_OUT(X, FIX) ((int8_t)mf_ssat8(mf_smmlar((X), q.m, (FIX) ? q.c + ((X) >> 31) : q.c) >> q.rs))

static inline int32_t lanes(int32_t v)
{
    return (int32_t)(((uint32_t)v & 0xFFFFu) | ((uint32_t)v << 16));
}

/* The operand lanes: (x + o) per lane, doubled when `twice` (2 (x + o) fits 16 bits). */
static inline int32_t offset_lanes(int32_t o, uint32_t v, int ror, int twice)
{
    const int32_t l = ror ? mf_sxtab16_ror8(o, v) : mf_sxtab16(o, v);
    return twice ? mf_sadd16(l, l) : l;
}

static inline __attribute__((always_inline)) void run_both(const int8_t *a, const int8_t *b, int8_t *out,
                                                            int32_t n, int32_t o1, int32_t o2, int32_t off1,
                                                            int32_t off2, const mul_rq q, const int fix)
{
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const uint32_t va = mf_read32(a + k), vb = mf_read32(b + k);
        const int32_t ae = offset_lanes(o1, va, 0, 1), ao = offset_lanes(o1, va, 1, 1);
        const int32_t be = offset_lanes(o2, vb, 0, 0), bo = offset_lanes(o2, vb, 1, 0);
        const int32_t x0 = mf_smulbb(ae, be), x1 = mf_smulbb(ao, bo), x2 = mf_smultt(ae, be), x3 = mf_smultt(ao, bo);
        out[k] = MF_MUL_OUT(x0, fix);
        out[k + 1] = MF_MUL_OUT(x1, fix);
        out[k + 2] = MF_MUL_OUT(x2, fix);
        out[k + 3] = MF_MUL_OUT(x3, fix);
    }
    for (; k < n; ++k) {
        const int32_t x = 2 * (a[k] + off1) * (b[k] + off2);
        out[k] = MF_MUL_OUT(x, fix);
    }
}

/* n elements of a against one value: bs = 2 * (b + o2) in both lanes */
static inline __attribute__((always_inline)) void run_scalar(const int8_t *a, int32_t bs, int8_t *out, int32_t n,
                                                              int32_t o1, int32_t off1, const mul_rq q,
                                                              const int fix)
{
    int32_t k = 0;
    for (; k + 4 <= n; k += 4) {
        const uint32_t va = mf_read32(a + k);
        const int32_t ae = offset_lanes(o1, va, 0, 0), ao = offset_lanes(o1, va, 1, 0);
        const int32_t x0 = mf_smulbb(ae, bs), x1 = mf_smulbb(ao, bs), x2 = mf_smultt(ae, bs), x3 = mf_smultt(ao, bs);
        out[k] = MF_MUL_OUT(x0, fix);
        out[k + 1] = MF_MUL_OUT(x1, fix);
        out[k + 2] = MF_MUL_OUT(x2, fix);
        out[k + 3] = MF_MUL_OUT(x3, fix);
    }
    for (; k < n; ++k) {
        const int32_t x = (a[k] + off1) * (int16_t)bs;
        out[k] = MF_MUL_OUT(x, fix);
    }
}

/* One row of n elements, strides s1, s2 in {0, 1}; the FAST modes only. */
static inline __attribute__((always_inline)) void run_fast(const mf_mul_q_params *p, const int8_t *a,
                                                            const int8_t *b, int32_t s1, int32_t s2, int8_t *out,
                                                            int32_t n, const mul_rq q, const int fix)
{
    const int32_t off1 = p->input1_offset, off2 = p->input2_offset;
    if (s1 == 1 && s2 == 1) {
        run_both(a, b, out, n, lanes(off1), lanes(off2), off1, off2, q, fix);
    } else if (s1 == 1) {
        run_scalar(a, lanes(2 * (b[0] + off2)), out, n, lanes(off1), off1, q, fix);
    } else if (s2 == 1) {
        run_scalar(b, lanes(2 * (a[0] + off1)), out, n, lanes(off2), off2, q, fix);
    } else {
        const int32_t x = 2 * (a[0] + off1) * (b[0] + off2);
        for (int32_t k = 0; k < n; ++k) {
            out[k] = MF_MUL_OUT(x, fix);
        }
    }
}

void mf_mul_s8(const mf_mul_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc), n = bc->inner;
    const int32_t s1 = bc->inner_stride1, s2 = bc->inner_stride2;
    const mul_rq q = {p->dsp_rq[1], p->dsp_rq[2], p->dsp_rq[3]};
    /* a broadcast by channel: input 1 and the output dense, input 2 the same row each time */
    int32_t span = n, by_row = p->dsp_requant != MF_DSP_RQ_EXACT;
    for (int32_t d = MF_BROADCAST_OUTER - 1; d >= 0; --d) {
        by_row &= bc->outer[d] == 1 || (bc->stride1[d] == span && bc->stride2[d] == 0);
        span *= bc->outer[d];
    }
    if (by_row) {
        const int fix = p->dsp_requant == MF_DSP_RQ_FAST;
        for (int32_t r = 0; r < rows; ++r, input1 += n, output += n) {
            if (fix) {
                run_fast(p, input1, input2, s1, s2, output, n, q, 1);
            } else {
                run_fast(p, input1, input2, s1, s2, output, n, q, 0);
            }
        }
        return;
    }
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *a = input1 + it.off1;
        const int8_t *b = input2 + it.off2;
        if (p->dsp_requant == MF_DSP_RQ_FAST_FLOOR) {
            run_fast(p, a, b, s1, s2, output, n, q, 0);
        } else if (p->dsp_requant == MF_DSP_RQ_FAST) {
            run_fast(p, a, b, s1, s2, output, n, q, 1);
        } else {
            for (int32_t k = 0; k < n; ++k) {
                const int32_t prod = (a[k * s1] + p->input1_offset) * (b[k * s2] + p->input2_offset);
                const int32_t v = p->output_offset + mf_mbqm(prod, p->output_multiplier, p->output_shift);
                output[k] = (int8_t)mf_clamp_i32(v, p->act_min, p->act_max);
            }
        }
        output += n;
        mf_broadcast_next(bc, &it);
    }
}
