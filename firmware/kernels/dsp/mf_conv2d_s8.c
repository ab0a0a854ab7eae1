/* CONV_2D, int8: DSP-extension kernel (row-pair SMLAD GEMM, fused requantisation; nn.h "DSP variant").
 *
 * Output pixels go two at a time (a last odd pixel with itself): both windows are spread into the
 * column buffer (dsp_scratch), widened to 16-bit lanes once, and each 2-pair weight tile then serves
 * both pixels: 16 SMLAD per 4-byte block for 32 multiply-accumulates. A window row is read in place
 * as its k_w * in_c bytes rounded up to whole 4-byte blocks (the weights of the bytes beyond are 0);
 * rows crossing the input's border (and the last row of the input, when the rounding would read past
 * its end) are assembled in dsp_scratch first, the input zero point outside. On ARM the tile loop
 * with its requantisation is mf_conv2d_s8_pairs.S (the compiler cannot keep 8 sums, 4 operands and 2
 * pointers in 14 registers); the C beside it is the same arithmetic and what the host build runs.
 * MF_DSP_GENERIC is the reference algorithm. */
#include "mf_gemm_s8.h"
#include "../common/mf_conv2d_s8_reference.h"

/* Reads the dsp parameter layout (nn.h "DSP variant"): never in a build of the reference kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/dsp/mf_conv2d_s8.c reads the dsp kernels' parameter layout, but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_conv2d_s8.c instead"
#endif
/* nor in one of the mve kernels, whose layout of this kernel is their own (the window GEMM) */
#if defined(MF_KERNELS_MVE)
#error "kernels/dsp/mf_conv2d_s8.c reads the dsp kernels' parameter layout, but this build compiles the mve kernels (MF_KERNELS_MVE), whose layout of CONV_2D is their own: compile kernels/mve/mf_conv2d_s8.c instead"
#endif

/* ---- the column buffer ----------------------------------------------------------------------------
 * Per 4-byte block b of the window, the words (xl0, xl1, xh0, xh1): SXTB16 and SXTB16-ROR-8 of pixel
 * 0's and pixel 1's block. A pixel's slot: its words at dst[0] and dst[2] of each block. */

static __attribute__((noinline)) void spread_blocks(const int8_t *x, int32_t nblk, int32_t *dst)
{
    const int8_t *end4 = x + 4 * (nblk & ~3), *end = x + 4 * nblk;
    for (; x != end4; x += 16, dst += 16) {
        const uint32_t v0 = mf_read32(x), v1 = mf_read32(x + 4), v2 = mf_read32(x + 8), v3 = mf_read32(x + 12);
        dst[0] = mf_sxtb16(v0);
        dst[2] = mf_sxtb16_ror8(v0);
        dst[4] = mf_sxtb16(v1);
        dst[6] = mf_sxtb16_ror8(v1);
        dst[8] = mf_sxtb16(v2);
        dst[10] = mf_sxtb16_ror8(v2);
        dst[12] = mf_sxtb16(v3);
        dst[14] = mf_sxtb16_ror8(v3);
    }
    for (; x != end; x += 4, dst += 4) {
        const uint32_t v = mf_read32(x);
        dst[0] = mf_sxtb16(v);
        dst[2] = mf_sxtb16_ror8(v);
    }
}

static inline void fill_blocks(int32_t zl, int32_t zh, int32_t nblk, int32_t *dst)
{
    for (; nblk > 0; --nblk, dst += 4) {
        dst[0] = zl;
        dst[2] = zh;
    }
}

typedef struct {
    const int8_t *input, *input_end;
    int32_t rblk;      /* blocks per window row */
    int32_t row_bytes; /* k_w * in_c */
    uint32_t zp;       /* the input zero point in every byte */
    int32_t zl, zh;    /* widened */
    int8_t *tmp;       /* rblk * 4 bytes of scratch */
} window_ctx;

/* Window row of the pixel whose window starts at input (iy, in_x0), when the taps are whole blocks
 * (in_c % 4 == 0; each read in place, or the zero point) or dilated (assembled in tmp: the zero
 * point outside the input, 0 after the row), then spread. */
static __attribute__((noinline)) void spread_row_taps(const mf_conv2d_s8_params *p, const window_ctx *w, int32_t iy,
                                                      int32_t in_x0, int32_t *dst)
{
    const mf_conv_geometry *g = &p->geo;
    const int8_t *row = w->input + (size_t)iy * g->in_w * g->in_c;
    if ((g->in_c & 3) == 0) {
        const int32_t tblk = g->in_c >> 2;
        for (int32_t kx = 0; kx < g->k_w; ++kx, dst += 4 * tblk) {
            const int32_t ix = in_x0 + g->dil_w * kx;
            if (ix >= 0 && ix < g->in_w) {
                spread_blocks(row + (size_t)ix * g->in_c, tblk, dst);
            } else {
                fill_blocks(w->zl, w->zh, tblk, dst);
            }
        }
        return;
    }
    int8_t *t = w->tmp;
    for (int32_t k = 0; k < 4 * w->rblk; ++k) {
        t[k] = k < w->row_bytes ? (int8_t)w->zp : 0;
    }
    for (int32_t kx = 0; kx < g->k_w; ++kx) {
        const int32_t ix = in_x0 + g->dil_w * kx;
        if (ix >= 0 && ix < g->in_w) {
            for (int32_t c = 0; c < g->in_c; ++c) {
                t[kx * g->in_c + c] = row[(size_t)ix * g->in_c + c];
            }
        }
    }
    spread_blocks(t, w->rblk, dst);
}

/* The window of output pixel (oy, ox) into its slot of the column buffer. */
static __attribute__((noinline)) void spread_window(const mf_conv2d_s8_params *p, const window_ctx *w, int32_t oy,
                                                    int32_t ox, int32_t *dst)
{
    const mf_conv_geometry *g = &p->geo;
    const int32_t in_h = g->in_h, in_w = g->in_w, in_c = g->in_c, k_h = g->k_h, k_w = g->k_w, dil_h = g->dil_h;
    const int32_t in_y0 = oy * g->stride_h - g->pad_top, in_x0 = ox * g->stride_w - g->pad_left;
    const int32_t rblk = w->rblk;
    const int8_t *const input = w->input, *const input_end = w->input_end;
    const size_t step = (size_t)dil_h * in_w * in_c;
    const int x_in = g->dil_w == 1 && in_x0 >= 0 && in_x0 + k_w <= in_w;
    if (x_in && in_y0 >= 0 && in_y0 + dil_h * (k_h - 1) < in_h) {
        const int8_t *row = input + ((size_t)in_y0 * in_w + in_x0) * in_c;
        if (row + (size_t)(k_h - 1) * step + 4 * rblk <= input_end) { /* the whole window in place */
            for (int32_t ky = 0; ky < k_h; ++ky, dst += 4 * rblk, row += step) {
                spread_blocks(row, rblk, dst);
            }
            return;
        }
    }
    /* rows crossing the border (or ending at the input's end) as one run of bytes [b0, b0 + n) of
     * the window row in tmp, the zero point before and after it, 0 after the row: set once; a row
     * of one block as a word: (the run shifted into place & mask) | fill */
    const int runs = g->dil_w == 1 && (in_c & 3) != 0;
    int8_t *const tmp = w->tmp;
    int32_t b0 = 0, n = 0, x0 = in_x0;
    uint32_t mask = 0, fill = 0;
    if (runs) {
        const int32_t kx0 = in_x0 < 0 ? -in_x0 : 0;
        const int32_t kx1 = in_x0 + k_w > in_w ? in_w - in_x0 : k_w;
        const int8_t zp = (int8_t)w->zp;
        x0 = in_x0 + kx0;
        b0 = kx0 * in_c;
        n = kx1 > kx0 ? (kx1 - kx0) * in_c : 0;
        for (int32_t k = 0; k < 4 * rblk; ++k) {
            tmp[k] = k < w->row_bytes ? zp : 0;
        }
        if (rblk == 1) {
            mask = n == 0 ? 0u : (n >= 4 ? ~0u : (1u << (8 * n)) - 1u) << (8 * b0);
            fill = mf_read32(tmp) & ~mask;
        }
    }
    for (int32_t ky = 0; ky < k_h; ++ky, dst += 4 * rblk) {
        const int32_t iy = in_y0 + dil_h * ky;
        if (iy < 0 || iy >= in_h) {
            fill_blocks(w->zl, w->zh, rblk, dst);
            continue;
        }
        const int8_t *r = input + ((size_t)iy * in_w + x0) * in_c; /* x0 = in_x0 when x_in */
        if (x_in && r + 4 * rblk <= input_end) {
            spread_blocks(r, rblk, dst);
        } else if (runs && rblk == 1 && r + 4 <= input_end) {
            const uint32_t v = ((mf_read32(r) << (8 * b0)) & mask) | fill;
            dst[0] = mf_sxtb16(v);
            dst[2] = mf_sxtb16_ror8(v);
        } else if (runs) {
            int8_t *t = tmp + b0;
            for (int32_t k = 0; k < n; ++k) {
                t[k] = r[k];
            }
            spread_blocks(tmp, rblk, dst);
        } else {
            spread_row_taps(p, w, iy, in_x0, dst);
        }
    }
}

/* ---- two pixels through the tiles (the C path; mf_conv2d_s8_pairs.S on ARM) ------------------------ */

/* A build for one model compiles only the paths its layers take (nn.h, MF_DSP_SELECT). On ARM the C
 * tiles only take what the assembly leaves (EXACT requantisation, a last tile of out_c % 4 rows:
 * MF_DSP_WITH_CONV_C_TILES), out of line; inline where they are the main path (the host). */
#ifndef MF_DSP_SELECT
#define MF_DSP_WITH_CONV_C_TILES 1
#endif
#if MF_DSP_ASM
#define MF_CONV_C_TILES MF_DSP_WITH_CONV_C_TILES
#define MF_TILE_INLINE __attribute__((noinline))
#else
#define MF_CONV_C_TILES 1
#define MF_TILE_INLINE inline __attribute__((always_inline))
#endif

#if MF_CONV_C_TILES

typedef struct {
    int32_t a00, b00, a10, b10, a01, b01, a11, b11; /* a<pair><pixel> */
} sums2x2;

/* One 2-pair tile of two pixels over the widened column buffer; returns the weights after the tile. */
static MF_TILE_INLINE const int32_t *x2p2w(const int32_t *wcol, int32_t nblk, const int32_t *w,
                                           sums2x2 *out)
{
    int32_t a00 = 0, b00 = 0, a10 = 0, b10 = 0, a01 = 0, b01 = 0, a11 = 0, b11 = 0;
    const int32_t *end = wcol + 4 * nblk;
    while (wcol != end) {
        for (int32_t lane = 0; lane < 2; ++lane) {
            const mf_pair32 l = mf_ldrd_inc(&wcol);
            mf_pair32 q = mf_ldrd_inc(&w);
            a00 = mf_smlad(q.a, l.a, a00);
            a01 = mf_smlad(q.a, l.b, a01);
            a10 = mf_smlad(q.b, l.a, a10);
            a11 = mf_smlad(q.b, l.b, a11);
            q.a = mf_sxtb16((uint32_t)q.a);
            q.b = mf_sxtb16((uint32_t)q.b);
            b00 = mf_smlad(q.a, l.a, b00);
            b01 = mf_smlad(q.a, l.b, b01);
            b10 = mf_smlad(q.b, l.a, b10);
            b11 = mf_smlad(q.b, l.b, b11);
        }
    }
    out->a00 = a00;
    out->b00 = b00;
    out->a10 = a10;
    out->b10 = b10;
    out->a01 = a01;
    out->b01 = b01;
    out->a11 = a11;
    out->b11 = b11;
    return w;
}

/* One-pair tile (the last one when the pairs are odd): acc[4] = A0 B0 A1 B1 (pixel 0, pixel 1). */
static const int32_t *x2p1(const int32_t *wcol, const int32_t *w, int32_t nblk, int32_t *acc)
{
    int32_t a0 = 0, b0 = 0, a1 = 0, b1 = 0;
    for (int32_t b = 0; b < nblk; ++b, wcol += 4) {
        const mf_pair32 q = mf_ldrd_inc(&w);
        a0 = mf_smlad(q.a, wcol[0], a0);
        a1 = mf_smlad(q.a, wcol[1], a1);
        int32_t s = mf_sxtb16((uint32_t)q.a);
        b0 = mf_smlad(s, wcol[0], b0);
        b1 = mf_smlad(s, wcol[1], b1);
        a0 = mf_smlad(q.b, wcol[2], a0);
        a1 = mf_smlad(q.b, wcol[3], a1);
        s = mf_sxtb16((uint32_t)q.b);
        b0 = mf_smlad(s, wcol[2], b0);
        b1 = mf_smlad(s, wcol[3], b1);
    }
    acc[0] = a0;
    acc[1] = b0;
    acc[2] = a1;
    acc[3] = b1;
    return w;
}

/* Rows r (sum B) and r + 1 (sum (A - B) / 256) of a pair for two pixels, any mode: records r[0..7];
 * the second row only when `two`. */
static MF_TILE_INLINE void pair2(int32_t a0, int32_t b0, int32_t a1, int32_t b1, const int32_t *r,
                                 int8_t *o0, int8_t *o1, int two, const mf_rq *rq)
{
    if (rq->mode == MF_DSP_RQ_EXACT) {
        mf_pair_exact(a0, b0, r, o0, two, rq);
        mf_pair_exact(a1, b1, r, o1, two, rq);
        return;
    }
    const int fix = rq->mode == MF_DSP_RQ_FAST;
    mf_pair_fast(a0, b0, r, o0, two, fix);
    mf_pair_fast(a1, b1, r, o1, two, fix);
}

#endif /* MF_CONV_C_TILES */

/* Every output row of the two pixels whose windows are in wcol. */
static void row2(const int32_t *wcol, int32_t nblk, const mf_conv2d_s8_params *p, int8_t *o0, int8_t *o1,
                 const mf_rq *rq)
{
    const int32_t *w = p->dsp_filter;
    const int32_t *rec = p->dsp_chan;
    int32_t left = p->geo.out_c;
#if MF_DSP_ASM
    if (rq->mode != MF_DSP_RQ_EXACT && left >= 4) {
        const mf_row2_args a = {wcol, nblk, w, rec, o0, o1, left >> 2, rq->mode == MF_DSP_RQ_FAST};
        mf_conv2d_s8_row2(&a);
        w += nblk * (left & ~3); /* 4 nblk words per tile */
        rec += 16 * (left >> 2);
        o0 += 4 * (left >> 2);
        o1 += 4 * (left >> 2);
        left &= 3;
    }
#endif
#if MF_CONV_C_TILES
    for (; left > 2; left -= 4, rec += 16, o0 += 4, o1 += 4) {
        sums2x2 t;
        w = x2p2w(wcol, nblk, w, &t);
        pair2(t.a00, t.b00, t.a01, t.b01, rec, o0, o1, 1, rq);
        pair2(t.a10, t.b10, t.a11, t.b11, rec + 8, o0 + 2, o1 + 2, left > 3, rq);
    }
    if (left > 0) {
        int32_t acc[4];
        x2p1(wcol, w, nblk, acc);
        pair2(acc[0], acc[1], acc[2], acc[3], rec, o0, o1, left > 1, rq);
    }
#else
    (void)rq;
#endif
}

/* Output pixels [pix, end) two at a time through the C path (the last of an odd count alone). */
static void pixels_c(const mf_conv2d_s8_params *p, const window_ctx *w, int32_t *wcol, int32_t nblk,
                     int8_t *output, int32_t pix, int32_t end, const mf_rq *rq)
{
    const mf_conv_geometry *g = &p->geo;
    int32_t oy = pix / g->out_w, ox = pix - oy * g->out_w;
    for (; pix < end; pix += 2) {
        int8_t *o0 = output + (size_t)pix * g->out_c, *o1 = o0;
        spread_window(p, w, oy, ox, wcol);
        if (++ox == g->out_w) {
            ox = 0;
            ++oy;
        }
        if (pix + 1 < end) {
            spread_window(p, w, oy, ox, wcol + 1);
            o1 += g->out_c;
            if (++ox == g->out_w) {
                ox = 0;
                ++oy;
            }
        } else { /* the last pixel alone: copied into the second slot, its outputs stored twice */
            for (int32_t *c = wcol; c != wcol + 4 * nblk; c += 4) {
                c[1] = c[0];
                c[3] = c[2];
            }
        }
        row2(wcol, nblk, p, o0, o1, rq);
    }
}

#if MF_DSP_ASM
/* Runs of pixel pairs whose windows lie inside the input in assembly (mf_conv2d_s8_pairs), the
 * others in C: a pointwise convolution is one run; otherwise each output row's interior is. */
static void pixels_asm(const mf_conv2d_s8_params *p, const window_ctx *w, int32_t *wcol, int32_t nblk,
                       const int8_t *input, int8_t *output, const mf_rq *rq)
{
    const mf_conv_geometry *g = &p->geo;
    const int32_t npix = g->out_h * g->out_w, rblk = w->rblk;
    mf_pairs_args a = {{wcol, nblk, p->dsp_filter, p->dsp_chan, output, output, g->out_c >> 2,
                        rq->mode == MF_DSP_RQ_FAST},
                       input, 0, g->stride_w * g->in_c, g->dil_h * g->in_w * g->in_c, g->k_h, rblk};
    if (g->k_h == 1 && g->k_w == 1 && g->stride_h == 1 && g->stride_w == 1 && g->pad_top == 0 &&
        g->pad_left == 0 && (g->in_c & 3) == 0) { /* pointwise: the image is one run */
        a.pairs = npix >> 1;
        a.row.o1 = output + g->out_c;
        a.row_pitch = 4 * rblk;
        if (a.pairs > 0) {
            mf_conv2d_s8_pairs(&a);
        }
        pixels_c(p, w, wcol, nblk, output, 2 * a.pairs, npix, rq);
        return;
    }
    /* Pairs in raster order, as the C path takes them (the overlap with the input relies on it);
     * runs of pairs within one output row whose windows lie inside the input go to assembly. */
    const int32_t ox0 = (g->pad_left + g->stride_w - 1) / g->stride_w;
    const int32_t ox1 = g->in_w >= g->k_w ? (g->in_w - g->k_w + g->pad_left) / g->stride_w + 1 : 0;
    int32_t done = 0; /* pixels before it are computed */
    for (int32_t oy = 0; oy < g->out_h; ++oy) {
        const int32_t row = oy * g->out_w, in_y0 = oy * g->stride_h - g->pad_top;
        const int32_t last = in_y0 + g->dil_h * (g->k_h - 1);
        if (in_y0 < 0 || last >= g->in_h) {
            continue;
        }
        int32_t x1 = ox1 < g->out_w ? ox1 : g->out_w;
        if (last == g->in_h - 1) { /* the last input row: whole blocks must not read past its end */
            while (x1 > ox0 && ((x1 - 1) * g->stride_w - g->pad_left) * g->in_c + 4 * rblk > g->in_w * g->in_c) {
                --x1;
            }
        }
        /* pairs (2k, 2k + 1) with both pixels in [row + ox0, row + x1) */
        const int32_t first = (row + ox0 + 1) & ~1, end = (row + x1) & ~1;
        if (end - first < 2) {
            continue;
        }
        pixels_c(p, w, wcol, nblk, output, done, first, rq);
        const int32_t ox = first - row;
        a.input = input + ((size_t)in_y0 * g->in_w + (ox * g->stride_w - g->pad_left)) * g->in_c;
        a.pairs = (end - first) >> 1;
        a.row.o0 = output + (size_t)first * g->out_c;
        a.row.o1 = a.row.o0 + g->out_c;
        mf_conv2d_s8_pairs(&a);
        done = end;
    }
    pixels_c(p, w, wcol, nblk, output, done, npix, rq);
}
#endif

void mf_conv2d_s8(const mf_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
    if (p->dsp_path == MF_DSP_GENERIC) {
        mf_conv2d_s8_reference(p, input, output);
        return;
    }
    const mf_conv_geometry *g = &p->geo;
    const mf_rq rq = {p->dsp_requant, p->output_offset, p->act_min, p->act_max};
    const int32_t row_bytes = g->k_w * g->in_c, rblk = (row_bytes + 3) >> 2;
    const int32_t nblk = g->k_h * rblk;
    const uint32_t zp = ((uint32_t)(-p->input_offset) & 0xFFu) * 0x01010101u;
    int32_t *wcol = p->dsp_scratch;
    const window_ctx w = {input, input + (size_t)g->in_h * g->in_w * g->in_c, rblk, row_bytes, zp,
                          mf_sxtb16(zp), mf_sxtb16_ror8(zp), (int8_t *)(wcol + 4 * nblk)};
#if MF_DSP_ASM
    if (rq.mode != MF_DSP_RQ_EXACT && (g->out_c & 3) == 0 && g->dil_w == 1) {
        pixels_asm(p, &w, wcol, nblk, input, output, &rq);
        return;
    }
#endif
    pixels_c(p, &w, wcol, nblk, output, 0, g->out_h * g->out_w, &rq);
}
