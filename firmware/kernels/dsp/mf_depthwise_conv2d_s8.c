/* DEPTHWISE_CONV_2D, int8: DSP-extension kernel (nn.h "DSP variant").
 *
 * MF_DSP_DW_PLANAR (3x3, stride 1 or 2, no dilation, depth multiplier 1, in_c % 4 == 0, FAST
 * requantisation): for each group of 4 channels, a band of the input is copied once into planar int16
 * strips (the input offset added, padding 0, so no output has a border case), then the four
 * channels' strips are swept four outputs per pass (a last strip of 1 to 3 outputs computes only
 * those) with each channel's weights and requantisation record kept in registers: SMLAD on pairs of
 * horizontally adjacent taps (mf_depthwise_conv2d_s8_strip.S on ARM; group_c is the same arithmetic
 * in C). The plane's rows run along the output's longer axis (dsp_transposed: along its height) so
 * that there are fewer, longer strips.
 * MF_DSP_DW_LANES (other windows, depth multiplier 1, in_c % 4 == 0): four channels at a time, the
 * input offset added in the 16-bit lanes by SXTAB16, one SMLAxy per multiply-accumulate against
 * build-time widened weights, taps outside the input skipped, requantisation fused. A 3x3 window
 * (dilation 1) runs unrolled, its border pixels against the zero-point row dsp_pad; other windows
 * take dw_pixel (compiled only for a model that has them: MF_DSP_WITH_DW_LANES_ANY); the
 * requantisations compiled are the ones the model's layers take (DW_LANES_FAST, _FLOOR: MF_DSP_RQ_FAST,
 * _FAST_FLOOR inline; DW_LANES_EXACT: any mode out of line, which dw_pixel always takes).
 * MF_DSP_GENERIC is the reference algorithm. */
#include "mf_gemm_s8.h"
#include "../common/mf_depthwise_conv2d_s8_reference.h"

/* Reads the dsp parameter layout (nn.h "DSP variant"): never in a build of the reference kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/dsp/mf_depthwise_conv2d_s8.c reads the dsp kernels' parameter layout, but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_depthwise_conv2d_s8.c instead"
#endif

/* A build for one model compiles only the paths its layers take (nn.h, MF_DSP_SELECT). */
#ifndef MF_DSP_SELECT
#define MF_DSP_WITH_DW_LANES 1
#define MF_DSP_WITH_DW_LANES_ANY 1
#define MF_DSP_WITH_DW_LANES_FAST 1
#define MF_DSP_WITH_DW_LANES_FLOOR 1
#define MF_DSP_WITH_DW_LANES_EXACT 1
#define MF_DSP_WITH_DW_PLANAR 1
#define MF_DSP_WITH_DW_PLANAR2 1
#endif

/* ---- MF_DSP_DW_LANES ------------------------------------------------------------------------------- */

#if MF_DSP_WITH_DW_LANES && MF_DSP_WITH_DW_LANES_ANY
/* First k with 0 <= base + dil * k, and the end of the k with base + dil * k < size (k in [0, n)). */
static void tap_range(int32_t base, int32_t dil, int32_t size, int32_t n, int32_t *k0, int32_t *k1)
{
    int32_t lo = 0, hi = n;
    if (base < 0) {
        lo = (-base + dil - 1) / dil;
    }
    if (base + dil * (n - 1) >= size) {
        hi = size - base <= 0 ? 0 : (size - base + dil - 1) / dil;
    }
    *k0 = lo;
    *k1 = hi < lo ? lo : hi;
}
#endif

#if MF_DSP_WITH_DW_LANES

#define MF_DW_TAP(X, W, A0, A1, A2, A3, OFF2)                                 \
    do {                                                                     \
        const uint32_t v_ = mf_read32(X);                                    \
        const int32_t xl_ = mf_sxtab16((OFF2), v_), xh_ = mf_sxtab16_ror8((OFF2), v_); \
        (A0) = mf_smlabb(xl_, (W).a, (A0));                                  \
        (A2) = mf_smlatt(xl_, (W).a, (A2));                                  \
        (A1) = mf_smlabb(xh_, (W).b, (A1));                                  \
        (A3) = mf_smlatt(xh_, (W).b, (A3));                                  \
    } while (0)

/* Four channels of one output: requantised (records rec[0..15]) and stored. */
static inline __attribute__((always_inline)) void dw_fast4(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                                           const int32_t *rec, int8_t *out, const int fix)
{
    mf_pair32 q = mf_ldrd_inc(&rec);
    mf_pair32 k = mf_ldrd_inc(&rec);
    out[0] = mf_rq_fast(q.a + (int32_t)((uint32_t)a0 << 1), q.b, k.a, k.b, fix);
    q = mf_ldrd_inc(&rec);
    k = mf_ldrd_inc(&rec);
    out[1] = mf_rq_fast(q.a + (int32_t)((uint32_t)a1 << 1), q.b, k.a, k.b, fix);
    q = mf_ldrd_inc(&rec);
    k = mf_ldrd_inc(&rec);
    out[2] = mf_rq_fast(q.a + (int32_t)((uint32_t)a2 << 1), q.b, k.a, k.b, fix);
    q = mf_ldrd_inc(&rec);
    k = mf_ldrd_inc(&rec);
    out[3] = mf_rq_fast(q.a + (int32_t)((uint32_t)a3 << 1), q.b, k.a, k.b, fix);
}

#if MF_DSP_WITH_DW_LANES_EXACT || MF_DSP_WITH_DW_LANES_ANY
/* Any mode, out of line (EXACT, and windows of other shapes). */
static void dw_store4_any(int32_t a0, int32_t a1, int32_t a2, int32_t a3, const int32_t *rec, int8_t *out,
                          const mf_rq *rq)
{
    const int32_t acc[4] = {a0, a1, a2, a3};
    for (int32_t i = 0; i < 4; ++i) {
        out[i] = mf_requant1(acc[i], rec + 4 * i, rq->mode, rq->output_offset, rq->act_min, rq->act_max);
    }
}
#endif

static inline __attribute__((always_inline)) void dw_store4(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                                            const int32_t *rec, int8_t *out, const mf_rq *rq)
{
#if MF_DSP_WITH_DW_LANES_FLOOR
    if (rq->mode == MF_DSP_RQ_FAST_FLOOR) {
        dw_fast4(a0, a1, a2, a3, rec, out, 0);
        return;
    }
#endif
#if MF_DSP_WITH_DW_LANES_FAST
    if (rq->mode == MF_DSP_RQ_FAST) {
        dw_fast4(a0, a1, a2, a3, rec, out, 1);
        return;
    }
#endif
#if MF_DSP_WITH_DW_LANES_EXACT
    dw_store4_any(a0, a1, a2, a3, rec, out, rq);
#else
    (void)a0, (void)a1, (void)a2, (void)a3, (void)rec, (void)out, (void)rq;
#endif
}

/* Every channel group of one output pixel whose 3x3 window (dilation 1) lies inside the input. */
static __attribute__((noinline)) void dw_pixel_3x3(const mf_depthwise_conv2d_s8_params *p, const int8_t *in0,
                                                   int8_t *out, int32_t off2, const mf_rq *rq)
{
    const int32_t c = p->geo.in_c, c2 = 2 * p->geo.in_c, row = p->geo.in_w * p->geo.in_c;
    const int32_t *w = p->dsp_filter;
    const int32_t *rec = p->dsp_chan;
    const int8_t *end = in0 + c;
    for (const int8_t *x = in0; x != end; x += 4) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const int8_t *r = x;
        mf_pair32 q = mf_ldrd_inc(&w);
        MF_DW_TAP(r, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r + c, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r + c2, q, a0, a1, a2, a3, off2);
        r += row;
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r + c, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r + c2, q, a0, a1, a2, a3, off2);
        r += row;
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r + c, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(r + c2, q, a0, a1, a2, a3, off2);
        dw_store4(a0, a1, a2, a3, rec, out, rq);
        rec += 16;
        out += 4;
    }
}

/* The same for a 3x3 window crossing the border: taps outside read the zero-point row dsp_pad
 * (whose offset-corrected value is 0, exactly TFLM's skip). */
static __attribute__((noinline)) void dw_pixel_3x3_border(const mf_depthwise_conv2d_s8_params *p,
                                                          const int8_t *input, int32_t in_y0, int32_t in_x0,
                                                          int8_t *out, int32_t off2, const mf_rq *rq)
{
    const int8_t *t[9];
    for (int32_t ky = 0; ky < 3; ++ky) {
        const int32_t iy = in_y0 + ky;
        for (int32_t kx = 0; kx < 3; ++kx) {
            const int32_t ix = in_x0 + kx;
            t[3 * ky + kx] = (iy >= 0 && iy < p->geo.in_h && ix >= 0 && ix < p->geo.in_w)
                                 ? input + ((size_t)iy * p->geo.in_w + ix) * p->geo.in_c
                                 : p->dsp_pad;
        }
    }
    const int32_t *w = p->dsp_filter;
    const int32_t *rec = p->dsp_chan;
    for (int32_t g = 0; g < p->geo.in_c; g += 4) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        mf_pair32 q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[0] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[1] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[2] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[3] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[4] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[5] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[6] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[7] + g, q, a0, a1, a2, a3, off2);
        q = mf_ldrd_inc(&w);
        MF_DW_TAP(t[8] + g, q, a0, a1, a2, a3, off2);
        dw_store4(a0, a1, a2, a3, rec, out, rq);
        rec += 16;
        out += 4;
    }
}

#if MF_DSP_WITH_DW_LANES_ANY
/* Every channel group of one output pixel, taps clipped to the input (any window). */
static void dw_pixel(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int32_t in_y0, int32_t in_x0,
                     int8_t *out, int32_t off2, const mf_rq *rq)
{
    const int32_t c = p->geo.in_c, groups = p->geo.in_c >> 2, taps = p->geo.k_h * p->geo.k_w;
    const int32_t row_step = p->geo.dil_h * p->geo.in_w * c, col_step = p->geo.dil_w * c;
    int32_t ky0, ky1, kx0, kx1;
    tap_range(in_y0, p->geo.dil_h, p->geo.in_h, p->geo.k_h, &ky0, &ky1);
    tap_range(in_x0, p->geo.dil_w, p->geo.in_w, p->geo.k_w, &kx0, &kx1);
    const int8_t *in0 = input + ((size_t)(in_y0 + p->geo.dil_h * ky0) * p->geo.in_w + in_x0 + p->geo.dil_w * kx0) * c;
    const int32_t gstride = 2 * taps;
    const int32_t *w0 = p->dsp_filter + 2 * (ky0 * p->geo.k_w + kx0);
    const int32_t *rec = p->dsp_chan;
    for (int32_t g = 0; g < groups; ++g) {
        int32_t a0 = 0, a1 = 0, a2 = 0, a3 = 0;
        const int8_t *row = in0 + 4 * g;
        const int32_t *wrow = w0 + gstride * g;
        for (int32_t ky = ky0; ky < ky1; ++ky) {
            const int8_t *x = row;
            const int32_t *w = wrow;
            for (int32_t kx = kx0; kx < kx1; ++kx) {
                const mf_pair32 q = mf_ldrd_inc(&w);
                MF_DW_TAP(x, q, a0, a1, a2, a3, off2);
                x += col_step;
            }
            row += row_step;
            wrow += 2 * p->geo.k_w;
        }
        dw_store4_any(a0, a1, a2, a3, rec, out, rq);
        rec += 16;
        out += 4;
    }
}
#endif

static void dw_lanes(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
    const mf_rq rq = {p->dsp_requant, p->output_offset, p->act_min, p->act_max};
    const int32_t off2 = (int32_t)(((uint32_t)p->input_offset & 0xFFFFu) | ((uint32_t)p->input_offset << 16));
    const int32_t fast3 = p->geo.k_h == 3 && p->geo.k_w == 3 && p->geo.dil_h == 1 && p->geo.dil_w == 1;
    int8_t *out = output;
    for (int32_t oy = 0; oy < p->geo.out_h; ++oy) {
        const int32_t in_y0 = oy * p->geo.stride_h - p->geo.pad_top;
        const int32_t rows_in = in_y0 >= 0 && in_y0 + 2 < p->geo.in_h;
        for (int32_t ox = 0; ox < p->geo.out_w; ++ox) {
            const int32_t in_x0 = ox * p->geo.stride_w - p->geo.pad_left;
            if (fast3 && rows_in && in_x0 >= 0 && in_x0 + 2 < p->geo.in_w) {
                dw_pixel_3x3(p, input + ((size_t)in_y0 * p->geo.in_w + in_x0) * p->geo.in_c, out, off2, &rq);
            } else if (fast3 && p->dsp_pad) {
                dw_pixel_3x3_border(p, input, in_y0, in_x0, out, off2, &rq);
            }
#if MF_DSP_WITH_DW_LANES_ANY
            else {
                dw_pixel(p, input, in_y0, in_x0, out, off2, &rq);
            }
#endif
            out += p->geo.in_c;
        }
    }
}
#endif /* MF_DSP_WITH_DW_LANES */

#if MF_DSP_WITH_DW_PLANAR || MF_DSP_WITH_DW_PLANAR2

/* ---- MF_DSP_DW_PLANAR ------------------------------------------------------------------------------ */

#if !MF_DSP_ASM
/* mf_depthwise_conv2d_s8_strip.S in C (words: 3 per strip row at stride 1, 5 at stride 2). */
static int8_t strip_rq(int32_t x, const int32_t *rec, int32_t mode)
{
    if (mode == MF_DSP_RQ_FLOOR_SHIFT) {
        return (int8_t)mf_ssat8(mf_smmla(x, rec[1], rec[2]) >> MF_DSP_RQ_SHIFT);
    }
    return mf_rq_fast(x, rec[1], rec[2], rec[3], 1);
}

static void group_c(const mf_dw_strip_args *a, int32_t stride)
{
    const int32_t words = stride == 1 ? 3 : 5;
    const size_t strip_words = (size_t)words * (size_t)(stride == 1 ? a->passes + 2 : 2 * a->passes + 1);
    const int32_t strips = a->strips + (a->tail > 0);
    const int32_t *rows = a->rows;
    for (int32_t k = 0; k < 4; ++k) {
        const int32_t *pw = a->weights + 5 * k, *rec = a->rec + 4 * k;
        /* the five words A0, C, A1, A2, D as the kernel rows' (Wa, Wb): Wb = (w2 | w1 << 16) */
        const uint32_t a0 = (uint32_t)pw[0], c = (uint32_t)pw[1], a1 = (uint32_t)pw[2], a2 = (uint32_t)pw[3];
        const int32_t w[6] = {(int32_t)a0, (int32_t)((c & 0xFFFFu) | (a0 & 0xFFFF0000u)),
                              (int32_t)a1, (int32_t)((c >> 16) | (a1 & 0xFFFF0000u)),
                              (int32_t)a2, (int32_t)(((uint32_t)pw[4] & 0xFFFFu) | (a2 & 0xFFFF0000u))};
        const int32_t mode = a->mode == MF_DSP_RQ_FLOOR_SHIFT && rec[3] >= 1 ? MF_DSP_RQ_FAST : a->mode;
        for (int32_t s = 0; s < strips; ++s, rows += strip_words) {
            const int32_t n = s < a->strips ? 4 : a->tail;
            int8_t *out = a->out + k + (size_t)(4 * s) * a->step_u;
            for (int32_t pass = 0; pass < a->passes; ++pass) {
                int32_t acc[4] = {rec[0], rec[0], rec[0], rec[0]};
                const int32_t *row = rows + (size_t)words * stride * pass;
                for (int32_t r = 0; r < 3; ++r, row += words) {
                    const int32_t wa = w[2 * r], wb = w[2 * r + 1];
                    if (stride == 1) {
                        acc[0] = mf_smlabb(row[1], wb, mf_smlad(row[0], wa, acc[0]));
                        acc[1] = mf_smladx(row[1], wb, mf_smlatb(row[0], wa, acc[1]));
                        acc[2] = mf_smlabb(row[2], wb, mf_smlad(row[1], wa, acc[2]));
                        acc[3] = mf_smladx(row[2], wb, mf_smlatb(row[1], wa, acc[3]));
                    } else {
                        for (int32_t i = 0; i < 4; ++i) {
                            acc[i] = mf_smlabb(row[i + 1], wb, mf_smlad(row[i], wa, acc[i]));
                        }
                    }
                }
                int8_t *o = out + (size_t)pass * a->step_v;
                for (int32_t i = 0; i < n; ++i) {
                    o[i * a->step_u] = strip_rq(acc[i], rec, mode);
                }
            }
        }
    }
}

/* mf_depthwise_conv2d_s8_plane (the .S file) in C. */
static void plane_c(const mf_dw_plane_args *a, int32_t stride)
{
    for (int32_t u = 0; u < a->width; ++u) {
        a->row[u] = u < a->first || u >= a->first + a->count ? a->zp
                                                              : mf_read32(a->src + (size_t)(u - a->first) * a->src_step);
    }
    const size_t cw = (size_t)a->chan_bytes / 4;
    const int32_t words = stride == 1 ? 3 : 5;
    for (int32_t s = 0; s < a->strips; ++s) {
        const uint32_t *w = a->row + 4 * stride * s;
        int32_t *d = a->dst + (size_t)s * (size_t)(a->strip_bytes / 4);
        for (int32_t j = 0; j < words; ++j) {
            const uint32_t x = w[2 * j], y = w[2 * j + 1];
            const uint32_t lo = (x & 0xFFFFu) | (y << 16), hi = (x >> 16) | (y & 0xFFFF0000u);
            d[j] = mf_sxtab16(a->off2, lo);
            d[cw + j] = mf_sxtab16_ror8(a->off2, lo);
            d[2 * cw + j] = mf_sxtab16(a->off2, hi);
            d[3 * cw + j] = mf_sxtab16_ror8(a->off2, hi);
        }
    }
}
#endif

static void strip_run(const mf_dw_strip_args *a, int32_t stride)
{
#if MF_DSP_ASM
    (void)stride;
#if MF_DSP_WITH_DW_PLANAR
    if (stride == 1) {
        mf_depthwise_conv2d_s8_strip(a);
    }
#endif
#if MF_DSP_WITH_DW_PLANAR2
    if (stride == 2) {
        mf_depthwise_conv2d_s8_strip2(a);
    }
#endif
#else
    group_c(a, stride);
#endif
}

static void plane_run(const mf_dw_plane_args *a, int32_t stride)
{
#if MF_DSP_ASM
    (void)stride;
#if MF_DSP_WITH_DW_PLANAR
    if (stride == 1) {
        mf_depthwise_conv2d_s8_plane(a);
    }
#endif
#if MF_DSP_WITH_DW_PLANAR2
    if (stride == 2) {
        mf_depthwise_conv2d_s8_plane2(a);
    }
#endif
#else
    plane_c(a, stride);
#endif
}

typedef struct {
    int32_t out_u, out_v, in_u, in_v, pad_u, pad_v; /* along the strips (u) and across them (v) */
    int32_t in_su, in_sv, out_su, out_sv;           /* byte steps in NHWC */
    int32_t stride, words;                          /* 1 and 3, or 2 and 5 words per strip row */
    int32_t strips;                                 /* strips of 4 outputs, the last maybe fewer */
} dw_plane;

/* Plane rows r0 .. r0 + n - 1 (input row r - pad_v) of channels c .. c + 3 into the strips,
 * buf[channel][strip][row][words] (strip_bytes per strip; row: scratch for the row's input words).
 * Rows outside the input are 0 in every channel group: written with the first (zero_rows). */
static void plane_band(const dw_plane *pl, const int8_t *input, int32_t c, int32_t r0, int32_t n, uint32_t zp,
                       int32_t off2, int32_t *buf, uint32_t *row, int zero_rows, int32_t strip_bytes)
{
    const int32_t width = 4 * pl->stride * pl->strips + 2;
    const int32_t first = pl->pad_u < width ? pl->pad_u : width;
    const int32_t count = pl->in_u < width - first ? pl->in_u : width - first;
    mf_dw_plane_args a = {row, buf, strip_bytes * pl->strips, off2, pl->strips, strip_bytes, input, pl->in_su,
                          first, count, width, zp};
    const size_t sw = (size_t)strip_bytes / 4;
    for (int32_t r = 0; r < n; ++r) {
        const int32_t iv = r0 + r - pl->pad_v;
        a.dst = buf + (size_t)pl->words * r;
        if (iv < 0 || iv >= pl->in_v) {
            if (zero_rows) {
                for (size_t k = 0; k < 4 * (size_t)pl->strips; ++k) {
                    for (int32_t j = 0; j < pl->words; ++j) {
                        a.dst[k * sw + j] = 0;
                    }
                }
            }
            continue;
        }
        a.src = input + (size_t)iv * pl->in_sv + c;
        plane_run(&a, pl->stride);
    }
}

static __attribute__((noinline)) void dw_planar(const mf_depthwise_conv2d_s8_params *p, const int8_t *input,
                                                int8_t *output)
{
    const mf_conv_geometry *g = &p->geo;
    const int32_t c_all = g->in_c, tr = p->dsp_transposed, band = p->dsp_band;
    dw_plane pl;
    pl.out_u = tr ? g->out_h : g->out_w;
    pl.out_v = tr ? g->out_w : g->out_h;
    pl.in_u = tr ? g->in_h : g->in_w;
    pl.in_v = tr ? g->in_w : g->in_h;
    pl.pad_u = tr ? g->pad_top : g->pad_left;
    pl.pad_v = tr ? g->pad_left : g->pad_top;
    pl.in_su = tr ? g->in_w * c_all : c_all;
    pl.in_sv = tr ? c_all : g->in_w * c_all;
    pl.out_su = tr ? g->out_w * c_all : c_all;
    pl.out_sv = tr ? c_all : g->out_w * c_all;
    pl.stride = g->stride_h;
    pl.words = pl.stride == 1 ? 3 : 5;
    pl.strips = (pl.out_u + 3) >> 2;
    const int32_t rows_max = pl.stride == 1 ? band + 2 : 2 * band + 1;
    int32_t *buf = p->dsp_scratch;
    uint32_t *row = (uint32_t *)(buf + (size_t)4 * pl.strips * pl.words * rows_max); /* a row of input words */
    const uint32_t zp = ((uint32_t)(-p->input_offset) & 0xFFu) * 0x01010101u;
    const int32_t off2 = (int32_t)(((uint32_t)p->input_offset & 0xFFFFu) | ((uint32_t)p->input_offset << 16));
    mf_dw_strip_args a; /* the fields every band and channel group shares */
    a.rows = buf;
    a.step_u = pl.out_su;
    a.step_v = pl.out_sv;
    a.mode = p->dsp_requant;
    a.strips = pl.out_u >> 2;
    a.tail = pl.out_u & 3;
    for (int32_t v0 = 0; v0 < pl.out_v; v0 += band) {
        const int32_t n = pl.out_v - v0 < band ? pl.out_v - v0 : band;
        const int32_t rows = pl.stride == 1 ? n + 2 : 2 * n + 1;
        const int32_t strip_bytes = 4 * pl.words * rows; /* this band's strips lie back to back */
        a.passes = n;
        for (int32_t c = 0; c < c_all; c += 4) {
            plane_band(&pl, input, c, pl.stride * v0, rows, zp, off2, buf, row, c == 0, strip_bytes);
            a.weights = p->dsp_filter + 5 * c;
            a.rec = p->dsp_chan + 4 * c;
            a.out = output + (size_t)v0 * pl.out_sv + c;
            strip_run(&a, pl.stride);
        }
    }
}

#endif /* MF_DSP_WITH_DW_PLANAR || MF_DSP_WITH_DW_PLANAR2 */

void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
#if MF_DSP_WITH_DW_PLANAR || MF_DSP_WITH_DW_PLANAR2
    if (p->dsp_path == MF_DSP_DW_PLANAR) {
        dw_planar(p, input, output);
        return;
    }
#endif
#if MF_DSP_WITH_DW_LANES
    if (p->dsp_path == MF_DSP_DW_LANES) {
        dw_lanes(p, input, output);
        return;
    }
#endif
    mf_depthwise_conv2d_s8_reference(p, input, output);
}
