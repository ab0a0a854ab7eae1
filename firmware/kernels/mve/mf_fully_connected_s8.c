/* FULLY_CONNECTED, int8: Helium (MVE) kernel (nn.h "MVE variant"). Four output rows at a time share
 * each 16-byte block of the input row: one VLDRB of the input, four of the group's weights (laid out
 * block-major by the generator, rows padded with zeros to whole blocks), one VMLADAVA.S8 (16
 * multiply-accumulates into the row's 32-bit sum) per row; the block that ends a row (in_depth not
 * a multiple of 16) loads the input under a VCTP8 predicate, whose inactive lanes read as zero. The
 * input offset is in the bias (the generator folds bias + input_offset * sum_i w[o][i]), so the sums
 * are plain products. The four sums are requantised in one vector: TFLM's
 * MultiplyByQuantizedMultiplier (double rounding) as VSHL (left shift, wrapping like the C),
 * VQRDMULH (gemmlowp's SaturatingRoundingDoublingHighMul: the same value for every pair) and a
 * rounding right shift that rounds ties away from zero as gemmlowp does (VRSHL rounds them up: a
 * negative value is first lowered by one, saturating, which moves exactly its ties). Rows left over
 * (out_depth % 4) take one row at a time in C, and the scalar requantisation.
 * Weights with a zero point (filter_offset != 0; plain rows, TFLM's bias) take the reference
 * algorithm. Where MVE does not exist (a host build) the C below the vector code computes the same
 * sums and requantisation. */
#include "mf_mve_gemm.h"
#include "../common/mf_fully_connected_s8_reference.h"

/* Reads the mve parameter layout (the folded bias): never in a build of other kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/mve/mf_fully_connected_s8.c reads the mve kernels' parameter layout (the input offset folded into the bias), but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_fully_connected_s8.c instead"
#elif defined(MF_KERNELS_DSP)
#error "kernels/mve/mf_fully_connected_s8.c reads the mve kernels' parameter layout (the input offset folded into the bias), but this build compiles the dsp kernels (MF_KERNELS_DSP): compile kernels/dsp/mf_fully_connected_s8.c instead"
#endif

static inline int8_t requant(const mf_fully_connected_s8_params *p, int32_t o, int32_t sum)
{
    const int32_t k = p->n_mult > 1 ? o : 0;
    return mf_mve_requant1(sum, p->bias[o], p->out_mult[k], p->out_shift[k], p->output_offset, p->act_min, p->act_max);
}

#if defined(MF_MVE)
/* What every group of four rows of one call shares, loaded once (the output may alias anything the
 * compiler would otherwise reload from *p). */
typedef struct {
    int32_t nblk, tail;             /* in_depth's whole 16-byte blocks, the bytes after them */
    int32x4_t mult, shift;          /* per-tensor: the one multiplier and shift in every lane */
    int32x4_t out_offset, lo, hi;
} rows4_consts;

/* Rows o .. o + 3 over one input row: the four sums, requantised into out[o .. o + 3]. */
static inline void rows4(const mf_fully_connected_s8_params *p, const rows4_consts *c, const int8_t *in,
                         const int8_t *w, int32_t o, int8_t *out)
{
    const int8_t *x = in;
    int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
    for (int32_t k = c->nblk; k > 0; --k) {
        const int8x16_t v = vld1q_s8(x);
        a0 = vmladavaq_s8(a0, v, vld1q_s8(w));
        a1 = vmladavaq_s8(a1, v, vld1q_s8(w + 16));
        a2 = vmladavaq_s8(a2, v, vld1q_s8(w + 32));
        a3 = vmladavaq_s8(a3, v, vld1q_s8(w + 48));
        x += 16;
        w += 64;
    }
    if (c->tail) { /* the input's last bytes under a predicate; the weights are padded with zeros */
        const int8x16_t v = vldrbq_z_s8(x, vctp8q((uint32_t)c->tail));
        a0 = vmladavaq_s8(a0, v, vld1q_s8(w));
        a1 = vmladavaq_s8(a1, v, vld1q_s8(w + 16));
        a2 = vmladavaq_s8(a2, v, vld1q_s8(w + 32));
        a3 = vmladavaq_s8(a3, v, vld1q_s8(w + 48));
    }
    int32x4_t mult = c->mult, shift = c->shift;
    if (p->n_mult > 1) {
        mult = vld1q_s32(p->out_mult + o);
        shift = vld1q_s32(p->out_shift + o);
    }
    const int32x4_t acc = vaddq_s32(mf_mve_lanes(a0, a1, a2, a3), vld1q_s32(p->bias + o));
    vstrbq_s32(out + o, mf_mve_requant4(acc, mult, shift, c->out_offset, c->lo, c->hi));
}
#endif

void mf_fully_connected_s8(const mf_fully_connected_s8_params *p, const int8_t *input, int8_t *output)
{
    if (p->filter_offset != 0) {
        mf_fully_connected_s8_reference(p, input, output);
        return;
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in = input + (size_t)b * (size_t)p->in_depth;
        int8_t *out = output + (size_t)b * (size_t)p->out_depth;
        int32_t o = 0;
#if defined(MF_MVE)
        const rows4_consts c = {p->in_depth >> 4, p->in_depth & 15, vdupq_n_s32(p->out_mult[0]),
                                vdupq_n_s32(p->out_shift[0]), vdupq_n_s32(p->output_offset),
                                vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max)};
        const int32_t rows = p->out_depth & ~3;
        const int8_t *w = p->filter;
        for (; o < rows; o += 4, w += 64 * (size_t)((p->in_depth + 15) >> 4)) {
            rows4(p, &c, in, w, o, out);
        }
#endif
        for (; o < p->out_depth; ++o) {
            out[o] = requant(p, o, mf_mve_row_dot(p->filter, p->out_depth, p->in_depth, o, in));
        }
    }
}
