/* CONV_2D, int8: Helium (MVE) kernel (nn.h "MVE variant"), MF_MVE_GEMM: the window as a GEMM row.
 *
 * Output pixels go three at a time (the pixels left at the end together): each pixel's window is
 * gathered into dsp_scratch as one row of K = k_h * k_w * in_c bytes (a window row inside the input
 * is one copy of k_w * in_c bytes; taps outside it hold the input zero point, whose product with the
 * folded bias's input offset is the reference's skipped tap), then every group of four weight rows
 * (the FULLY_CONNECTED layout, mf_mve_gemm.h) serves the three rows in mf_conv2d_s8_gemm3.S: per
 * 16-byte block three loads of the windows, two of the weights, six VMLADAVA.S8, twice (rows 0 and 2,
 * then 1 and 3). The input offset is in the bias (bias + input_offset * sum_k w[o][k]), the sums are
 * plain products; requantisation is mf_mve_requant4. The rows' bytes after K meet zero weights. The
 * out_c % 4 rows left take one row at a time. Where MVE does not exist (a host build) the C below the
 * vector code computes the same sums and requantisation. MF_DSP_GENERIC (grouped convolutions) is
 * the reference algorithm. */
#include <string.h>

#include "mf_mve_gemm.h"
#include "../common/mf_conv2d_s8_reference.h"

/* Reads the mve parameter layout (the window GEMM): never in a build of other kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/mve/mf_conv2d_s8.c reads the mve kernels' parameter layout (the window GEMM), but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_conv2d_s8.c instead"
#elif defined(MF_KERNELS_DSP)
#error "kernels/mve/mf_conv2d_s8.c reads the mve kernels' parameter layout (the window GEMM), but this build compiles the dsp kernels (MF_KERNELS_DSP): compile kernels/dsp/mf_conv2d_s8.c instead"
#endif

/* n bytes: whole 16-byte vectors, then the last bytes under a VCTP8 predicate (nothing is read or
 * written past the n bytes). */
static inline void copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
#if defined(MF_MVE)
    for (; n >= 16; n -= 16, src += 16, dst += 16) {
        vst1q_s8(dst, vld1q_s8(src));
    }
    if (n > 0) {
        const mve_pred16_t pr = vctp8q((uint32_t)n);
        vstrbq_p_s8(dst, vldrbq_z_s8(src, pr), pr);
    }
#else
    memcpy(dst, src, (size_t)n);
#endif
}

static inline void fill_bytes(int8_t *dst, int8_t value, int32_t n)
{
#if defined(MF_MVE)
    const int8x16_t v = vdupq_n_s8(value);
    for (; n >= 16; n -= 16, dst += 16) {
        vst1q_s8(dst, v);
    }
    if (n > 0) {
        vstrbq_p_s8(dst, v, vctp8q((uint32_t)n));
    }
#else
    memset(dst, value, (size_t)n);
#endif
}

/* Output pixel (oy, ox)'s window into col: k_h rows of k_w * in_c bytes, the input zero point where
 * the window leaves the input. */
static void gather(const mf_conv2d_s8_params *p, const int8_t *input, int32_t oy, int32_t ox, int8_t *col)
{
    const mf_conv_geometry *g = &p->geo;
    const int8_t zp = (int8_t)-p->input_offset;
    const int32_t c = g->in_c, row = g->k_w * c;
    const int32_t iy0 = oy * g->stride_h - g->pad_top, ix0 = ox * g->stride_w - g->pad_left;
    const int x_inside = ix0 >= 0 && ix0 + (g->k_w - 1) * g->dil_w < g->in_w;
    if (x_inside && g->dil_w == 1 && iy0 >= 0 && iy0 + (g->k_h - 1) * g->dil_h < g->in_h) {
        /* inside the input: k_h copies of a window row */
        const size_t line = (size_t)g->dil_h * (size_t)g->in_w * (size_t)c;
        const int8_t *src = input + ((size_t)iy0 * (size_t)g->in_w + (size_t)ix0) * (size_t)c;
        for (int32_t ky = g->k_h; ky > 0; --ky, col += row, src += line) {
            copy_bytes(col, src, row);
        }
        return;
    }
    for (int32_t ky = 0; ky < g->k_h; ++ky, col += row) {
        const int32_t iy = iy0 + ky * g->dil_h;
        if (iy < 0 || iy >= g->in_h) {
            fill_bytes(col, zp, row);
        } else if (x_inside && g->dil_w == 1) {
            copy_bytes(col, input + ((size_t)iy * (size_t)g->in_w + (size_t)ix0) * (size_t)c, row);
        } else {
            for (int32_t kx = 0; kx < g->k_w; ++kx) {
                const int32_t ix = ix0 + kx * g->dil_w;
                if (ix < 0 || ix >= g->in_w) {
                    fill_bytes(col + kx * c, zp, c);
                } else {
                    copy_bytes(col + kx * c, input + ((size_t)iy * (size_t)g->in_w + (size_t)ix) * (size_t)c, c);
                }
            }
        }
    }
}

#if defined(MF_MVE)
/* What every group of four rows of one call shares, loaded once. */
typedef struct {
    int32_t nb;                     /* 16-byte blocks per row */
    int32x4_t out_offset, lo, hi;
} rows4_consts;

/* mf_conv2d_s8_gemm3.S: every group of four rows (weights from w) over the windows x[0..2] of nb
 * blocks: sums[(3 g + k) * 4 + r] is row 4 g + r's sum over window k. */
void mf_mve_conv_gemm3(const int8_t *const x[3], const int8_t *w, int32_t nb, int32_t groups, int32_t *sums);

/* The groups' twelve sums per group (sums as mf_mve_conv_gemm3 leaves them), requantised into
 * out[k][o .. o + 3] for each out[k] that is not NULL. */
static void requant_groups(const mf_conv2d_s8_params *p, const rows4_consts *c, const int32_t *sums, int32_t groups,
                           int8_t *const out[3])
{
    for (int32_t o = 0; o < 4 * groups; o += 4, sums += 12) {
        const int32x4_t bias = vld1q_s32(p->bias + o), mult = vld1q_s32(p->out_mult + o);
        const int32x4_t shift = vld1q_s32(p->out_shift + o);
        for (int32_t k = 0; k < 3 && out[k] != NULL; ++k) {
            const int32x4_t acc = vaddq_s32(vld1q_s32(sums + 4 * k), bias);
            vstrbq_s32(out[k] + o, mf_mve_requant4(acc, mult, shift, c->out_offset, c->lo, c->hi));
        }
    }
}
#endif

/* Rows from o on (the leftover rows, or every row where MVE does not exist) of one window. */
static void rows_left(const mf_conv2d_s8_params *p, const int8_t *x, int32_t o, int8_t *out)
{
    const int32_t n = p->geo.k_h * p->geo.k_w * p->geo.in_c, rows = p->geo.out_c;
    for (; o < rows; ++o) {
#if defined(MF_MVE)
        const int32_t nb = (n + 15) >> 4;
        const int32_t sum = mf_mve_dot_blocks(x, p->filter + (size_t)o * (size_t)nb * 16, nb);
#else
        const int32_t sum = mf_mve_row_dot(p->filter, rows, n, o, x);
#endif
        out[o] = mf_mve_requant1(sum, p->bias[o], p->out_mult[o], p->out_shift[o], p->output_offset, p->act_min,
                                 p->act_max);
    }
}

void mf_conv2d_s8(const mf_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
    if (p->dsp_path != MF_MVE_GEMM) {
        mf_conv2d_s8_reference(p, input, output);
        return;
    }
    const mf_conv_geometry *g = &p->geo;
    const int32_t npix = g->out_h * g->out_w, out_c = g->out_c;
    const int32_t nb = (g->k_h * g->k_w * g->in_c + 15) >> 4;
    int8_t *col = (int8_t *)p->dsp_scratch;
#if defined(MF_MVE)
    int32_t *sums = (int32_t *)(void *)(col + 3 * (size_t)nb * 16);
    const rows4_consts c = {nb, vdupq_n_s32(p->output_offset), vdupq_n_s32(p->act_min), vdupq_n_s32(p->act_max)};
    const int32_t grouped = out_c & ~3;
#endif
    int32_t oy = 0, ox = 0; /* the next pixel */
    for (int32_t pix = 0; pix < npix; pix += 3) {
        /* up to three windows; a group short of pixels repeats its first window, without outputs */
        const int8_t *x[3];
        int8_t *out[3];
        for (int32_t k = 0; k < 3; ++k) {
            if (pix + k < npix) {
                x[k] = col + (size_t)k * (size_t)nb * 16;
                gather(p, input, oy, ox, col + (size_t)k * (size_t)nb * 16);
                out[k] = output + (size_t)(pix + k) * (size_t)out_c;
                if (++ox == g->out_w) {
                    ox = 0;
                    ++oy;
                }
            } else {
                x[k] = col;
                out[k] = NULL;
            }
        }
        int32_t o = 0;
#if defined(MF_MVE)
        if (grouped > 0) {
            mf_mve_conv_gemm3(x, p->filter, nb, grouped >> 2, sums);
            requant_groups(p, &c, sums, grouped >> 2, out);
            o = grouped;
        }
#endif
        for (int32_t k = 0; k < 3 && o < out_c && out[k] != NULL; ++k) {
            rows_left(p, x[k], o, out[k]);
        }
    }
}
