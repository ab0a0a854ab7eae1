/* FULLY_CONNECTED, int8: DSP-extension kernel (row-pair SMLAD GEMM, fused requantisation; nn.h "DSP
 * variant"). Each input row is widened once into dsp_scratch (per 4-byte block its SXTB16 and
 * SXTB16-ROR-8 words, the row's tail zero-padded; rows too long for scratch are widened as they are
 * read, in C); then every 4-pair tile (8 output rows) of the weights runs over it: on ARM the full tiles with their requantisation are
 * mf_fully_connected_s8_rows.S, the C beside it (tile_c) is the same arithmetic, what the host build
 * runs, and what takes a last short tile, EXACT requantisation and weights whose row pairs are summed
 * in chunks of dsp_chunk blocks (an odd row whose sum |W| over the whole row reaches 2^16 would leave
 * 32 bits in one; per chunk it does not). MF_DSP_GENERIC (weights with a zero point) is the reference
 * algorithm. */
#include "mf_gemm_s8.h"
#include "../common/mf_fully_connected_s8_reference.h"

/* Reads the dsp parameter layout (nn.h "DSP variant"): never in a build of the reference kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/dsp/mf_fully_connected_s8.c reads the dsp kernels' parameter layout, but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_fully_connected_s8.c instead"
#endif
/* nor in one of the mve kernels, whose layout of this kernel folds the input offset into the bias */
#if defined(MF_KERNELS_MVE)
#error "kernels/dsp/mf_fully_connected_s8.c reads the dsp kernels' parameter layout, but this build compiles the mve kernels (MF_KERNELS_MVE), whose layout of FULLY_CONNECTED is their own: compile kernels/mve/mf_fully_connected_s8.c instead"
#endif

/* A build for one model compiles only the paths its layers take (nn.h, MF_DSP_SELECT): the full
 * tiles' assembly (MF_DSP_WITH_FC_ROWS) only where a layer has 8 rows or more to give it. */
#ifndef MF_DSP_SELECT
#define MF_DSP_WITH_FC_ROWS 1
#endif

/* Lane `lane` of block b of the input: from the widened row x, or widened here from the raw row in
 * (x NULL: a row too long to widen into scratch; its tail block in tail). */
static inline int32_t lane_of(const int32_t *x, const int8_t *in, const int8_t *tail, int32_t full, int32_t b,
                              int32_t lane)
{
    if (x) {
        return x[2 * b + lane];
    }
    const uint32_t v = mf_read32(b < full ? in + 4 * b : tail);
    return lane ? mf_sxtb16_ror8(v) : mf_sxtb16(v);
}

/* np pairs (1..4) of a tile over the input (nblk blocks, in chunks of `chunk`): the row sums
 * s[0 .. 2 np - 1]; returns the weights after the tile. */
static const int32_t *tile_c(int32_t np, const int32_t *x, const int8_t *in, const int8_t *tail, int32_t full,
                             int32_t nblk, int32_t chunk, const int32_t *w, int32_t *s)
{
    for (int32_t j = 0; j < 2 * np; ++j) {
        s[j] = 0;
    }
    for (int32_t b0 = 0; b0 < nblk; b0 += chunk) {
        const int32_t b1 = b0 + chunk < nblk ? b0 + chunk : nblk;
        int32_t a[4] = {0, 0, 0, 0}, bb[4] = {0, 0, 0, 0};
        for (int32_t b = b0; b < b1; ++b) {
            for (int32_t lane = 0; lane < 2; ++lane) {
                const int32_t l = lane_of(x, in, tail, full, b, lane);
                for (int32_t j = 0; j < np; ++j) {
                    const int32_t e = *w++;
                    a[j] = mf_smlad(e, l, a[j]);
                    bb[j] = mf_smlad(mf_sxtb16((uint32_t)e), l, bb[j]);
                }
            }
        }
        for (int32_t j = 0; j < np; ++j) {
            s[2 * j] = (int32_t)((uint32_t)s[2 * j] + (uint32_t)bb[j]);
            s[2 * j + 1] = (int32_t)((uint32_t)s[2 * j + 1] + (uint32_t)((int32_t)((uint32_t)a[j] - (uint32_t)bb[j]) >> 8));
        }
    }
    return w;
}

void mf_fully_connected_s8(const mf_fully_connected_s8_params *p, const int8_t *input, int8_t *output)
{
    if (p->dsp_path == MF_DSP_GENERIC) {
        mf_fully_connected_s8_reference(p, input, output);
        return;
    }
    const int32_t full = p->in_depth >> 2, rest = p->in_depth & 3, nblk = full + (rest != 0);
    int32_t *x = p->dsp_scratch; /* NULL: a long row, not widened */
    int8_t tail[4] __attribute__((aligned(4))) = {0, 0, 0, 0};
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *in = input + (size_t)b * p->in_depth;
        for (int32_t i = 0; i < rest; ++i) {
            tail[i] = in[4 * full + i];
        }
        if (x) {
            for (int32_t k = 0; k < nblk; ++k) {
                const uint32_t v = mf_read32(k < full ? in + 4 * k : tail);
                x[2 * k] = mf_sxtb16(v);
                x[2 * k + 1] = mf_sxtb16_ror8(v);
            }
        }
        const int32_t *w = p->dsp_filter;
        const int32_t *rec = p->dsp_chan;
        int8_t *out = output + (size_t)b * p->out_depth;
        int32_t left = p->out_depth;
#if MF_DSP_ASM && MF_DSP_WITH_FC_ROWS
        if (x && p->dsp_requant != MF_DSP_RQ_EXACT && p->dsp_chunk == nblk && left >= 8) {
            const mf_fc_rows_args a = {x, nblk, w, rec, out, left >> 3, p->dsp_requant == MF_DSP_RQ_FAST};
            w = mf_fully_connected_s8_rows(&a);
            rec += 32 * (left >> 3);
            out += 8 * (left >> 3);
            left &= 7;
        }
#endif
        while (left > 0) {
            const int32_t np = left >= 8 ? 4 : (left + 1) >> 1;
            const int32_t rows = left < 2 * np ? left : 2 * np;
            int32_t s[8];
            w = tile_c(np, x, in, tail, full, nblk, p->dsp_chunk, w, s);
            for (int32_t r = 0; r < rows; ++r, rec += 4) {
                out[r] = mf_requant1(s[r], rec, p->dsp_requant, p->output_offset, p->act_min, p->act_max);
            }
            out += rows;
            left -= rows;
        }
    }
}
