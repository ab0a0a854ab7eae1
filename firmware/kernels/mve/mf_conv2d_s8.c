/* CONV_2D, int8: Helium (MVE) kernel (nn.h "MVE variant"), MF_MVE_GEMM: the window as a GEMM row.
 *
 * Output pixels go two at a time (a last odd pixel alone): each pixel's window is gathered into
 * dsp_scratch as one row of K = k_h * k_w * in_c bytes (a window row inside the input is one copy of
 * k_w * in_c bytes; taps outside it hold the input zero point, whose product with the folded bias's
 * input offset is the reference's skipped tap), then every group of four weight rows (the
 * FULLY_CONNECTED layout, mf_mve_gemm.h) serves both rows: per 16-byte block two loads of the
 * windows, four of the weights, eight VMLADAVA.S8 (128 multiply-accumulates). The input offset is in
 * the bias (bias + input_offset * sum_k w[o][k]), the sums are plain products; requantisation is
 * mf_mve_requant4. The rows' bytes after K meet zero weights. The out_c % 4 rows left take one row
 * at a time. Where MVE does not exist (a host build) the C below the vector code computes the same
 * sums and requantisation. MF_DSP_GENERIC (grouped convolutions) is the reference algorithm. */
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

/* The sums of rows o .. o + 3 (the group of four whose first block is w) over the windows x[0..2]
 * (into s[0..2]), each of nb blocks. VMLADAVA accumulates into an even-numbered register only (seven
 * of them): twelve sums do not fit, so rows 0 and 2 go first, then rows 1 and 3, each pass ending in
 * VMOVs of its sums into lanes (0, 2), then (1, 3). */
static inline void group4x3(const int8_t *const x[3], const int8_t *w, int32_t nb, int32x4_t s[3])
{
    const int8_t *x0 = x[0], *x1 = x[1], *x2 = x[2];
#if defined(__OPTIMIZE__)
    /* written out: GCC adds moves between even registers and a second counter around a C loop
     * (12 instructions per block here: three window loads, two weight loads, six VMLADAVA, LE; 96
     * multiply-accumulates). Unoptimised builds (a frame pointer, operands in memory) find no
     * registers for it. VMOV Qd[i + 2], Qd[i], Rt, Rt2 writes Rt to lane i, Rt2 to lane i + 2 (as
     * GNU as encodes it and QEMU executes it). */
    int32x4_t p0, p1, p2;
    __asm__ volatile("   movs    r0, #0\n"
                     "   movs    r2, #0\n"
                     "   movs    r4, #0\n"
                     "   movs    r6, #0\n"
                     "   movs    r8, #0\n"
                     "   movs    r10, #0\n"
                     "   wls     lr, %[n], 2f\n"
                     "1: vldrb.u8 q0, [%[x0]], #16\n"
                     "   vldrb.u8 q1, [%[x1]], #16\n"
                     "   vldrb.u8 q2, [%[x2]], #16\n"
                     "   vldrb.u8 q4, [%[w], #32]\n"
                     "   vldrb.u8 q3, [%[w]], #64\n"
                     "   vmladava.s8 r0, q0, q3\n"
                     "   vmladava.s8 r2, q0, q4\n"
                     "   vmladava.s8 r4, q1, q3\n"
                     "   vmladava.s8 r6, q1, q4\n"
                     "   vmladava.s8 r8, q2, q3\n"
                     "   vmladava.s8 r10, q2, q4\n"
                     "   le      lr, 1b\n"
                     "2: vmov    %q[p0][2], %q[p0][0], r0, r2\n"
                     "   vmov    %q[p1][2], %q[p1][0], r4, r6\n"
                     "   vmov    %q[p2][2], %q[p2][0], r8, r10\n"
                     "   sub     %[x0], %[x0], %[n], lsl #4\n"
                     "   sub     %[x1], %[x1], %[n], lsl #4\n"
                     "   sub     %[x2], %[x2], %[n], lsl #4\n"
                     "   sub     %[w], %[w], %[n], lsl #6\n"
                     "   adds    %[w], %[w], #16\n"
                     "   movs    r0, #0\n"
                     "   movs    r2, #0\n"
                     "   movs    r4, #0\n"
                     "   movs    r6, #0\n"
                     "   movs    r8, #0\n"
                     "   movs    r10, #0\n"
                     "   wls     lr, %[n], 4f\n"
                     "3: vldrb.u8 q0, [%[x0]], #16\n"
                     "   vldrb.u8 q1, [%[x1]], #16\n"
                     "   vldrb.u8 q2, [%[x2]], #16\n"
                     "   vldrb.u8 q4, [%[w], #32]\n"
                     "   vldrb.u8 q3, [%[w]], #64\n"
                     "   vmladava.s8 r0, q0, q3\n"
                     "   vmladava.s8 r2, q0, q4\n"
                     "   vmladava.s8 r4, q1, q3\n"
                     "   vmladava.s8 r6, q1, q4\n"
                     "   vmladava.s8 r8, q2, q3\n"
                     "   vmladava.s8 r10, q2, q4\n"
                     "   le      lr, 3b\n"
                     "4: vmov    %q[p0][3], %q[p0][1], r0, r2\n"
                     "   vmov    %q[p1][3], %q[p1][1], r4, r6\n"
                     "   vmov    %q[p2][3], %q[p2][1], r8, r10\n"
                     : [p0] "=&w"(p0), [p1] "=&w"(p1), [p2] "=&w"(p2), [x0] "+r"(x0), [x1] "+r"(x1),
                       [x2] "+r"(x2), [w] "+r"(w)
                     : [n] "r"(nb)
                     : "r0", "r2", "r4", "r6", "r8", "r10", "q0", "q1", "q2", "q3", "q4", "lr", "cc", "memory");
    s[0] = p0;
    s[1] = p1;
    s[2] = p2;
#else
    int32_t a[3][4] = {{0}};
    for (int32_t k = nb; k > 0; --k, x0 += 16, x1 += 16, x2 += 16, w += 64) {
        const int8x16_t u = vld1q_s8(x0), v = vld1q_s8(x1), t = vld1q_s8(x2);
        for (int32_t r = 0; r < 4; ++r) {
            const int8x16_t wr = vld1q_s8(w + 16 * r);
            a[0][r] = vmladavaq_s8(a[0][r], u, wr);
            a[1][r] = vmladavaq_s8(a[1][r], v, wr);
            a[2][r] = vmladavaq_s8(a[2][r], t, wr);
        }
    }
    for (int32_t k = 0; k < 3; ++k) {
        s[k] = vld1q_s32(a[k]);
    }
#endif
}

/* Rows o .. o + 3 (weights w) over the windows x[0..2]: the twelve sums, requantised into
 * out[k][o .. o + 3] for each out[k] that is not NULL. */
static inline void rows4x3(const mf_conv2d_s8_params *p, const rows4_consts *c, const int8_t *const x[3],
                           const int8_t *w, int32_t o, int8_t *const out[3])
{
    int32x4_t sum[3];
    group4x3(x, w, c->nb, sum);
    const int32x4_t bias = vld1q_s32(p->bias + o), mult = vld1q_s32(p->out_mult + o);
    const int32x4_t shift = vld1q_s32(p->out_shift + o);
    for (int32_t k = 0; k < 3 && out[k] != NULL; ++k) {
        vstrbq_s32(out[k] + o, mf_mve_requant4(vaddq_s32(sum[k], bias), mult, shift, c->out_offset, c->lo, c->hi));
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
        const int8_t *w = p->filter;
        for (; o < grouped; o += 4, w += 64 * (size_t)nb) {
            rows4x3(p, &c, x, w, o, out);
        }
#endif
        for (int32_t k = 0; k < 3 && o < out_c && out[k] != NULL; ++k) {
            rows_left(p, x[k], o, out[k]);
        }
    }
}
