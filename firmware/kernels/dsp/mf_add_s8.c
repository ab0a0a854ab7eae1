/* ADD and SUB, int8: DSP-extension kernel. TFLM rescales each input on its own before the sum, so
 * the generator tabulates both rescaled terms over all 256 int8 values (dsp_table, nn.h): an output
 * is X = t1[x1] + t2[x2] (twice TFLM's raw sum; SUB's table is negated) rescaled once, by a single
 * SMMULR where codegen/ops/dsp_pack.py proved that exact (MF_DSP_RQ_FAST*), else by TFLM's MBQM.
 * Same shapes, a broadcast by channel and a single-value operand run four elements at a time.
 * Elements are read and written in increasing order, element k's reads before its write, so the
 * output may be one of the inputs (in place). */
#include "mcuforge/broadcast.h"
#include "mcuforge/dsp.h"
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* Reads the dsp parameter layout (nn.h "DSP variant"): never in a build of the reference kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/dsp/mf_add_s8.c reads the dsp kernels' parameter layout, but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_add_s8.c instead"
#endif
/* nor in one of the mve kernels, whose layout of this kernel is their own (no tables) */
#if defined(MF_KERNELS_MVE)
#error "kernels/dsp/mf_add_s8.c reads the dsp kernels' parameter layout, but this build compiles the mve kernels (MF_KERNELS_MVE), whose layout of ADD is their own: compile kernels/mve/mf_add_s8.c instead"
#endif

typedef struct {
    const int32_t *t1, *t2; /* centred: t1[x] for x in [-128, 127] */
    int32_t m, c, rs;       /* FAST: the record (0, m, c, rs); EXACT: (0, multiplier, shift, 0) */
    int32_t offset, lo, hi;
} add_ctx;

/* MF_DSP_RQ_FAST_FLOOR (output offset -128): SSAT8((SMMULR(X, m) + c) >> rs), the addition of c
 * folded into SMMLAR (exact: the generator checked |v + c| < 2^31). */
static inline int8_t out_floor(int32_t x, int32_t m, int32_t c, int32_t rs, const add_ctx *q)
{
    (void)q;
    return (int8_t)mf_ssat8(mf_smmlar(x, m, c) >> rs);
}

/* MF_DSP_RQ_FAST: SSAT8((v + (v >> 31) + c) >> rs), v = SMMULR(X, m). */
static inline int8_t out_fast(int32_t x, int32_t m, int32_t c, int32_t rs, const add_ctx *q)
{
    (void)q;
    const int32_t v = mf_smmulr(x, m);
    return (int8_t)mf_ssat8((v + (v >> 31) + c) >> rs);
}

/* MF_DSP_RQ_EXACT: TFLM's rescaling of the raw sum X / 2 (exact: both table entries are even). */
static inline int8_t out_exact(int32_t x, int32_t m, int32_t shift, int32_t rs, const add_ctx *q)
{
    (void)rs;
    return (int8_t)mf_clamp_i32(mf_mbqm_smaller_than_one(x >> 1, m, shift) + q->offset, q->lo, q->hi);
}

/* n elements; operand strides sa, sb in {0, 1}: with `unroll`, both 1 (one contiguous run) and one of
 * them 0 (a single value: its term hoisted) go four at a time. Everything the loop needs is in
 * locals, so stores through out (an int8_t pointer, which may alias anything) force no reloads. */
#define MF_ADD_LOOP(OUT, unroll)                                                                   \
    do {                                                                                           \
        const int32_t *t1 = q->t1, *t2 = q->t2;                                                    \
        const int32_t m = q->m, c = q->c, rs = q->rs;                                              \
        int32_t k = 0;                                                                             \
        if ((unroll) && sa == 1 && sb == 1) {                                                      \
            for (; k + 4 <= n; k += 4) {                                                           \
                out[k] = OUT(t1[a[k]] + t2[b[k]], m, c, rs, q);                                    \
                out[k + 1] = OUT(t1[a[k + 1]] + t2[b[k + 1]], m, c, rs, q);                        \
                out[k + 2] = OUT(t1[a[k + 2]] + t2[b[k + 2]], m, c, rs, q);                        \
                out[k + 3] = OUT(t1[a[k + 3]] + t2[b[k + 3]], m, c, rs, q);                        \
            }                                                                                      \
        } else if ((unroll) && (sa ^ sb) == 1) {                                                   \
            const int8_t *x = sa ? a : b;                                                          \
            const int32_t *tx = sa ? t1 : t2;                                                      \
            const int32_t k2 = sa ? t2[b[0]] : t1[a[0]];                                           \
            for (; k + 4 <= n; k += 4) {                                                           \
                out[k] = OUT(tx[x[k]] + k2, m, c, rs, q);                                          \
                out[k + 1] = OUT(tx[x[k + 1]] + k2, m, c, rs, q);                                  \
                out[k + 2] = OUT(tx[x[k + 2]] + k2, m, c, rs, q);                                  \
                out[k + 3] = OUT(tx[x[k + 3]] + k2, m, c, rs, q);                                  \
            }                                                                                      \
        }                                                                                          \
        for (; k < n; ++k) {                                                                       \
            out[k] = OUT(t1[a[k * sa]] + t2[b[k * sb]], m, c, rs, q);                              \
        }                                                                                          \
    } while (0)

static void run(const add_ctx *q, int32_t mode, const int8_t *a, int32_t sa, const int8_t *b, int32_t sb,
                int8_t *out, int32_t n)
{
    if (mode == MF_DSP_RQ_FAST_FLOOR) {
        MF_ADD_LOOP(out_floor, 1);
    } else if (mode == MF_DSP_RQ_FAST) {
        MF_ADD_LOOP(out_fast, 1);
    } else {
        MF_ADD_LOOP(out_exact, 0); /* not worth the flash */
    }
}

void mf_add_s8(const mf_add_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output)
{
    const add_ctx q = {p->dsp_table + 128, p->dsp_table + 384, p->dsp_rq[1], p->dsp_rq[2], p->dsp_rq[3],
                       p->output_offset, p->act_min, p->act_max};
    const mf_broadcast *bc = &p->bc;
    const int32_t rows = mf_broadcast_rows(bc);
    /* a broadcast by channel: input 1 and the output dense, input 2 the same row each time */
    int32_t span = bc->inner, by_row = 1;
    for (int32_t d = MF_BROADCAST_OUTER - 1; d >= 0; --d) {
        by_row &= bc->outer[d] == 1 || (bc->stride1[d] == span && bc->stride2[d] == 0);
        span *= bc->outer[d];
    }
    if (by_row) {
        for (int32_t r = 0; r < rows; ++r, input1 += bc->inner, output += bc->inner) {
            run(&q, p->dsp_requant, input1, bc->inner_stride1, input2, bc->inner_stride2, output, bc->inner);
        }
        return;
    }
    mf_broadcast_iter it;
    mf_broadcast_begin(&it);
    for (int32_t r = 0; r < rows; ++r) {
        const int8_t *a = input1 + it.off1;
        const int8_t *b = input2 + it.off2;
        run(&q, p->dsp_requant, a, bc->inner_stride1, b, bc->inner_stride2, output, bc->inner);
        output += bc->inner;
        mf_broadcast_next(bc, &it);
    }
}
