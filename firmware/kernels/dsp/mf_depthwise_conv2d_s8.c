/* DEPTHWISE_CONV_2D, int8: DSP-extension kernel (nn.h "DSP variant"). MF_DSP_DW_LANES (depth
 * multiplier 1, in_c % 4 == 0): four channels at a time, the input offset added in the 16-bit lanes
 * by SXTAB16, one SMLAxy per multiply-accumulate against build-time widened weights, taps outside
 * the input skipped, requantisation fused. MF_DSP_GENERIC is the reference algorithm. */
#include "mf_gemm_s8.h"
#include "../common/mf_depthwise_conv2d_s8_reference.h"

/* Reads the dsp parameter layout (nn.h "DSP variant"): never in a build of the reference kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/dsp/mf_depthwise_conv2d_s8.c reads the dsp kernels' parameter layout, but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_depthwise_conv2d_s8.c instead"
#endif

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

/* Any mode, out of line (EXACT, and windows of other shapes). */
static void dw_store4_any(int32_t a0, int32_t a1, int32_t a2, int32_t a3, const int32_t *rec, int8_t *out,
                          const mf_rq *rq)
{
    const int32_t acc[4] = {a0, a1, a2, a3};
    for (int32_t i = 0; i < 4; ++i) {
        out[i] = mf_requant1(acc[i], rec + 4 * i, rq->mode, rq->output_offset, rq->act_min, rq->act_max);
    }
}

static inline __attribute__((always_inline)) void dw_store4(int32_t a0, int32_t a1, int32_t a2, int32_t a3,
                                                            const int32_t *rec, int8_t *out, const mf_rq *rq)
{
    if (rq->mode == MF_DSP_RQ_FAST_FLOOR) {
        dw_fast4(a0, a1, a2, a3, rec, out, 0);
    } else if (rq->mode == MF_DSP_RQ_FAST) {
        dw_fast4(a0, a1, a2, a3, rec, out, 1);
    } else {
        dw_store4_any(a0, a1, a2, a3, rec, out, rq);
    }
}

/* Every channel group of one output pixel whose 3x3 window (dilation 1) lies inside the input. */
static __attribute__((noinline)) void dw_pixel_3x3(const mf_depthwise_conv2d_s8_params *p, const int8_t *in0, int8_t *out, int32_t off2,
                         const mf_rq *rq)
{
    const int32_t c = p->in_c, c2 = 2 * p->in_c, row = p->in_w * p->in_c;
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
            t[3 * ky + kx] = (iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w)
                                 ? input + ((size_t)iy * p->in_w + ix) * p->in_c
                                 : p->dsp_pad;
        }
    }
    const int32_t *w = p->dsp_filter;
    const int32_t *rec = p->dsp_chan;
    for (int32_t g = 0; g < p->in_c; g += 4) {
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

/* Every channel group of one output pixel, taps clipped to the input (any window). */
static void dw_pixel(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int32_t in_y0, int32_t in_x0,
                     int8_t *out, int32_t off2, const mf_rq *rq)
{
    const int32_t c = p->in_c, groups = p->in_c >> 2, taps = p->k_h * p->k_w;
    const int32_t row_step = p->dil_h * p->in_w * c, col_step = p->dil_w * c;
    int32_t ky0, ky1, kx0, kx1;
    tap_range(in_y0, p->dil_h, p->in_h, p->k_h, &ky0, &ky1);
    tap_range(in_x0, p->dil_w, p->in_w, p->k_w, &kx0, &kx1);
    const int8_t *in0 = input + ((size_t)(in_y0 + p->dil_h * ky0) * p->in_w + in_x0 + p->dil_w * kx0) * c;
    const int32_t gstride = 2 * taps;
    const int32_t *w0 = p->dsp_filter + 2 * (ky0 * p->k_w + kx0);
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
            wrow += 2 * p->k_w;
        }
        dw_store4_any(a0, a1, a2, a3, rec, out, rq);
        rec += 16;
        out += 4;
    }
}

void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
    if (p->dsp_path == MF_DSP_GENERIC) {
        mf_depthwise_conv2d_s8_reference(p, input, output);
        return;
    }
    const mf_rq rq = {p->dsp_requant, p->output_offset, p->act_min, p->act_max};
    const int32_t off2 = (int32_t)(((uint32_t)p->input_offset & 0xFFFFu) | ((uint32_t)p->input_offset << 16));
    const int32_t fast3 = p->k_h == 3 && p->k_w == 3 && p->dil_h == 1 && p->dil_w == 1;
    int8_t *out = output;
    for (int32_t oy = 0; oy < p->out_h; ++oy) {
        const int32_t in_y0 = oy * p->stride_h - p->pad_top;
        const int32_t rows_in = in_y0 >= 0 && in_y0 + 2 < p->in_h;
        for (int32_t ox = 0; ox < p->out_w; ++ox) {
            const int32_t in_x0 = ox * p->stride_w - p->pad_left;
            if (fast3 && rows_in && in_x0 >= 0 && in_x0 + 2 < p->in_w) {
                dw_pixel_3x3(p, input + ((size_t)in_y0 * p->in_w + in_x0) * p->in_c, out, off2, &rq);
            } else if (fast3 && p->dsp_pad) {
                dw_pixel_3x3_border(p, input, in_y0, in_x0, out, off2, &rq);
            } else {
                dw_pixel(p, input, in_y0, in_x0, out, off2, &rq);
            }
            out += p->in_c;
        }
    }
}
