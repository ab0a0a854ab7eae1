/* CONV_2D, int8: DSP-extension kernel (row-pair SMLAD GEMM, fused requantisation; nn.h "DSP variant").
 *
 * The window of an output pixel is K inputs: with MF_DSP_PAIRS (in_c % 4 == 0) read in place as
 * segments (a 1x1 pixel; a whole window row when it lies inside the input, else one segment per tap,
 * the zero-point row dsp_pad for taps outside), with MF_DSP_PAIRS_IM2COL gathered into a buffer.
 * Output pixels go two at a time: both windows are spread into one column buffer, widened to 16-bit
 * lanes once (K <= MF_DSP_PAIR_MAX / 2) or as raw words (K <= MF_DSP_PAIR_MAX), and each 2-pair weight
 * tile then serves both pixels: 16 SMLAD per 4-byte block for 32 multiply-accumulates. On ARM the
 * inner loops, and the whole tile loop with its requantisation for the common case, are written
 * out in assembly (the compiler cannot keep 8 sums, 4 operands and 2 pointers in 14 registers); the
 * C beside each is the same arithmetic and what the host build runs. A last odd pixel, or windows
 * longer than MF_DSP_PAIR_MAX, run one pixel at a time. MF_DSP_GENERIC is the reference algorithm. */
#include <string.h>

#include "mf_gemm_s8.h"
#include "../common/mf_conv2d_s8_reference.h"

/* Reads the dsp parameter layout (nn.h "DSP variant"): never in a build of the reference kernels. */
#if defined(MF_KERNELS_REFERENCE)
#error "kernels/dsp/mf_conv2d_s8.c reads the dsp kernels' parameter layout, but this build compiles the reference kernels (MF_KERNELS_REFERENCE): compile kernels/reference/mf_conv2d_s8.c instead"
#endif

/* The window of one output pixel as segments over the input (in_c % 4 == 0). */
static int32_t window_segments(const mf_conv2d_s8_params *p, const int8_t *input, int32_t in_y0, int32_t in_x0,
                               mf_seg *seg)
{
    const int32_t cblk = p->in_c >> 2;
    const int32_t row_bytes = p->in_w * p->in_c;
    const int32_t full_row = in_x0 >= 0 && in_x0 + (p->k_w - 1) * p->dil_w < p->in_w && p->dil_w == 1;
    int32_t n = 0;
    for (int32_t ky = 0; ky < p->k_h; ++ky) {
        const int32_t iy = in_y0 + p->dil_h * ky;
        if (iy < 0 || iy >= p->in_h) {
            seg[n].ptr = p->dsp_pad;
            seg[n].nblk = p->k_w * cblk;
            ++n;
            continue;
        }
        const int8_t *row = input + (size_t)iy * row_bytes;
        if (full_row) {
            seg[n].ptr = row + (size_t)in_x0 * p->in_c;
            seg[n].nblk = p->k_w * cblk;
            ++n;
            continue;
        }
        for (int32_t kx = 0; kx < p->k_w; ++kx) {
            const int32_t ix = in_x0 + p->dil_w * kx;
            seg[n].ptr = (ix >= 0 && ix < p->in_w) ? row + (size_t)ix * p->in_c : p->dsp_pad;
            seg[n].nblk = cblk;
            ++n;
        }
    }
    return n;
}

static inline void copy_bytes(int8_t *dst, const int8_t *src, int32_t n)
{
    for (; n >= 4; n -= 4, src += 4, dst += 4) {
        const uint32_t v = mf_read32(src);
        memcpy(dst, &v, 4);
    }
    for (; n > 0; --n) {
        *dst++ = *src++;
    }
}

static inline void fill_bytes(int8_t *dst, uint32_t word, int32_t n)
{
    for (; n >= 4; n -= 4, dst += 4) {
        memcpy(dst, &word, 4);
    }
    for (; n > 0; --n) {
        *dst++ = (int8_t)word;
    }
}

/* The window of one output pixel copied to col (input zero point outside the input), zero-padded
 * to a multiple of 4 bytes; returns the number of 4-byte blocks. */
static int32_t window_im2col(const mf_conv2d_s8_params *p, const int8_t *input, int32_t in_y0, int32_t in_x0,
                             int8_t *col)
{
    const int32_t c = p->in_c, span = p->k_w * c;
    int8_t *dst = col;
    if (p->dil_w == 1 && in_x0 >= 0 && in_x0 + p->k_w <= p->in_w && in_y0 >= 0 &&
        in_y0 + p->dil_h * (p->k_h - 1) < p->in_h) {
        /* inside the input: k_h runs of span bytes */
        const int8_t *src = input + ((size_t)in_y0 * p->in_w + in_x0) * c;
        const int32_t step = p->dil_h * p->in_w * c;
        for (int32_t ky = 0; ky < p->k_h; ++ky, dst += span, src += step) {
            copy_bytes(dst, src, span);
        }
    } else {
        const uint32_t zp = ((uint32_t)(-p->input_offset) & 0xFFu) * 0x01010101u;
        /* columns inside the input: kx in [kx0, kx1) */
        int32_t kx0 = 0, kx1 = p->k_w;
        while (kx0 < p->k_w && in_x0 + p->dil_w * kx0 < 0) {
            ++kx0;
        }
        while (kx1 > kx0 && in_x0 + p->dil_w * (kx1 - 1) >= p->in_w) {
            --kx1;
        }
        for (int32_t ky = 0; ky < p->k_h; ++ky, dst += span) {
            const int32_t iy = in_y0 + p->dil_h * ky;
            if (iy < 0 || iy >= p->in_h || kx0 == kx1) {
                fill_bytes(dst, zp, span);
                continue;
            }
            const int8_t *row = input + ((size_t)iy * p->in_w + in_x0) * c;
            fill_bytes(dst, zp, kx0 * c);
            if (p->dil_w == 1) {
                copy_bytes(dst + kx0 * c, row + kx0 * c, (kx1 - kx0) * c);
            } else {
                for (int32_t kx = kx0; kx < kx1; ++kx) {
                    copy_bytes(dst + kx * c, row + (size_t)p->dil_w * kx * c, c);
                }
            }
            fill_bytes(dst + kx1 * c, zp, (p->k_w - kx1) * c);
        }
    }
    const int32_t k = (int32_t)(dst - col);
    fill_bytes(dst, 0, ((k + 3) & ~3) - k);
    return (k + 3) >> 2;
}

/* ---- two output pixels at a time over an interleaved column buffer -------------------------------
 * col2 holds, per 4-byte block b of the window, the words (pixel 0, pixel 1); weights in 2-pair
 * tiles, per block (e0 e1 o0 o1). A tile's sums: a/b (A/B) of pair j and pixel k in s[j][k]. */
typedef struct {
    int32_t a00, b00, a10, b10, a01, b01, a11, b11; /* a<pair><pixel> */
} sums2x2;

#if MF_DSP_ASM
/* The inline-assembly loops below, one 4-byte block of the window per macro (the loops run two
 * blocks per pass). TILE_2X2: t0/t1 hold one lane pair of pixel 0 and 1; multiply-accumulate them
 * with the tile's next two weight words, even lanes (A sums) then odd lanes (B sums). */
#define TILE_2X2 \
    "  ldrd %[t2], %[t3], [%[w]], #8\n" \
    "  smlad %[a00], %[t2], %[t0], %[a00]\n" \
    "  smlad %[a01], %[t2], %[t1], %[a01]\n" \
    "  smlad %[a10], %[t3], %[t0], %[a10]\n" \
    "  smlad %[a11], %[t3], %[t1], %[a11]\n" \
    "  sxtb16 %[t2], %[t2]\n" \
    "  sxtb16 %[t3], %[t3]\n" \
    "  smlad %[b00], %[t2], %[t0], %[b00]\n" \
    "  smlad %[b01], %[t2], %[t1], %[b01]\n" \
    "  smlad %[b10], %[t3], %[t0], %[b10]\n" \
    "  smlad %[b11], %[t3], %[t1], %[b11]\n"
/* x2p2: the block's two raw words, widened here (SXTB16, then SXTB16 ROR 8) */
#define X2P2_BLOCK \
    "  ldrd %[t0], %[t1], [%[x]]\n" \
    "  sxtb16 %[t0], %[t0]\n" \
    "  sxtb16 %[t1], %[t1]\n" \
    TILE_2X2 \
    "  ldrd %[t0], %[t1], [%[x]], #8\n" \
    "  sxtb16 %[t0], %[t0], ror #8\n" \
    "  sxtb16 %[t1], %[t1], ror #8\n" \
    TILE_2X2
/* x2p2w: the block's four words come widened already */
#define X2P2W_BLOCK \
    "  ldrd %[t0], %[t1], [%[x]], #8\n" \
    TILE_2X2 \
    "  ldrd %[t0], %[t1], [%[x]], #8\n" \
    TILE_2X2

#endif

/* One 2-pair tile of two pixels (nblk >= 1 blocks); returns the weights after the tile. */
static inline __attribute__((always_inline)) const int32_t *x2p2(const int32_t *col2, int32_t nblk, const int32_t *w,
                                                                 sums2x2 *out)
{
    int32_t a00 = 0, b00 = 0, a10 = 0, b10 = 0, a01 = 0, b01 = 0, a11 = 0, b11 = 0;
#if MF_DSP_ASM
    /* The eight sums, two input words, two weight words and the two pointers take all 14 usable
     * registers, more than GCC keeps without spilling: the loop is written out (the end pointer is
     * read from memory). Two blocks per pass, an odd count entering at the second; per block the
     * even lanes (bytes 0 and 2 of both pixels' words) against the tile's even words, then the odd
     * lanes: 59 instructions per 64 multiply-accumulates. The #else branch is the same arithmetic. */
    const int32_t *x = col2;
    const int32_t *end = col2 + 2 * nblk;
    int32_t t0, t1, t2, t3;
    __asm__("  ldr %[t0], %[n]\n"
            "  tst %[t0], #1\n"
            "  bne 2f\n"
            "1:\n"
        X2P2_BLOCK
            "2:\n"
        X2P2_BLOCK
            "  ldr %[t0], %[end]\n"
            "  cmp %[x], %[t0]\n"
            "  bne 1b\n"
            : [a00] "+r"(a00), [b00] "+r"(b00), [a10] "+r"(a10), [b10] "+r"(b10), [a01] "+r"(a01), [b01] "+r"(b01),
              [a11] "+r"(a11), [b11] "+r"(b11), [x] "+r"(x), [w] "+r"(w), [t0] "=&r"(t0), [t1] "=&r"(t1),
              [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [end] "m"(end), [n] "m"(nblk), "m"(*(const int32_t(*)[])col2)
            : "cc");
#else
    const int32_t *end = col2 + 2 * nblk;
    while (col2 != end) {
        const mf_pair32 x = mf_ldrd_inc(&col2);
        for (int32_t lane = 0; lane < 2; ++lane) {
            const int32_t l0 = lane ? mf_sxtb16_ror8((uint32_t)x.a) : mf_sxtb16((uint32_t)x.a);
            const int32_t l1 = lane ? mf_sxtb16_ror8((uint32_t)x.b) : mf_sxtb16((uint32_t)x.b);
            mf_pair32 q = mf_ldrd_inc(&w);
            a00 = mf_smlad(q.a, l0, a00);
            a01 = mf_smlad(q.a, l1, a01);
            a10 = mf_smlad(q.b, l0, a10);
            a11 = mf_smlad(q.b, l1, a11);
            q.a = mf_sxtb16((uint32_t)q.a);
            q.b = mf_sxtb16((uint32_t)q.b);
            b00 = mf_smlad(q.a, l0, b00);
            b01 = mf_smlad(q.a, l1, b01);
            b10 = mf_smlad(q.b, l0, b10);
            b11 = mf_smlad(q.b, l1, b11);
        }
    }
#endif
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

/* The same over a widened column buffer (wcol: per block the words xl0 xl1 xh0 xh1, SXTB16 and
 * SXTB16-ROR-8 of each pixel's word, made once per pixel instead of once per tile): 51 instructions
 * per 64 multiply-accumulates. */
static inline __attribute__((always_inline)) const int32_t *x2p2w(const int32_t *wcol, int32_t nblk,
                                                                  const int32_t *w, sums2x2 *out)
{
    int32_t a00 = 0, b00 = 0, a10 = 0, b10 = 0, a01 = 0, b01 = 0, a11 = 0, b11 = 0;
#if MF_DSP_ASM
    const int32_t *x = wcol;
    const int32_t *end = wcol + 4 * nblk;
    int32_t t0, t1, t2, t3;
    __asm__("  ldr %[t0], %[n]\n"
            "  tst %[t0], #1\n"
            "  bne 2f\n"
            "1:\n"
        X2P2W_BLOCK
            "2:\n"
        X2P2W_BLOCK
            "  ldr %[t0], %[end]\n"
            "  cmp %[x], %[t0]\n"
            "  bne 1b\n"
            : [a00] "+r"(a00), [b00] "+r"(b00), [a10] "+r"(a10), [b10] "+r"(b10), [a01] "+r"(a01), [b01] "+r"(b01),
              [a11] "+r"(a11), [b11] "+r"(b11), [x] "+r"(x), [w] "+r"(w), [t0] "=&r"(t0), [t1] "=&r"(t1),
              [t2] "=&r"(t2), [t3] "=&r"(t3)
            : [end] "m"(end), [n] "m"(nblk), "m"(*(const int32_t(*)[])wcol)
            : "cc");
#else
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
#endif
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

/* One-pair tile for two pixels: acc[4] = A0 B0 A1 B1 (pixel 0, pixel 1); col2 raw or widened.
 * Returns the weights after the tile. */
static const int32_t *x2p1(const int32_t *col2, int wide, const int32_t *w, int32_t nblk, int32_t *acc)
{
    int32_t a0 = 0, b0 = 0, a1 = 0, b1 = 0;
    for (int32_t b = 0; b < nblk; ++b) {
        int32_t l[4];
        if (wide) {
            l[0] = col2[4 * b];
            l[1] = col2[4 * b + 1];
            l[2] = col2[4 * b + 2];
            l[3] = col2[4 * b + 3];
        } else {
            l[0] = mf_sxtb16((uint32_t)col2[2 * b]);
            l[1] = mf_sxtb16((uint32_t)col2[2 * b + 1]);
            l[2] = mf_sxtb16_ror8((uint32_t)col2[2 * b]);
            l[3] = mf_sxtb16_ror8((uint32_t)col2[2 * b + 1]);
        }
        const mf_pair32 q = mf_ldrd_inc(&w);
        a0 = mf_smlad(q.a, l[0], a0);
        a1 = mf_smlad(q.a, l[1], a1);
        int32_t s = mf_sxtb16((uint32_t)q.a);
        b0 = mf_smlad(s, l[0], b0);
        b1 = mf_smlad(s, l[1], b1);
        a0 = mf_smlad(q.b, l[2], a0);
        a1 = mf_smlad(q.b, l[3], a1);
        s = mf_sxtb16((uint32_t)q.b);
        b0 = mf_smlad(s, l[2], b0);
        b1 = mf_smlad(s, l[3], b1);
    }
    acc[0] = a0;
    acc[1] = b0;
    acc[2] = a1;
    acc[3] = b1;
    return w;
}

/* Rows r (sum B) and r + 1 (sum (A - B) / 256) of a pair for two pixels, FAST requantisation:
 * records r[0..7]. */
static inline __attribute__((always_inline)) void pair2_fast(int32_t a0, int32_t b0, int32_t a1, int32_t b1,
                                                             const int32_t *r, int8_t *o0, int8_t *o1, int two,
                                                             const int fix)
{
    mf_pair32 q = mf_ldrd_inc(&r);
    mf_pair32 k = mf_ldrd_inc(&r);
    o0[0] = mf_rq_fast(q.a + (int32_t)((uint32_t)b0 << 1), q.b, k.a, k.b, fix);
    o1[0] = mf_rq_fast(q.a + (int32_t)((uint32_t)b1 << 1), q.b, k.a, k.b, fix);
    if (two) {
        q = mf_ldrd_inc(&r);
        k = mf_ldrd_inc(&r);
        o0[1] = mf_rq_fast(q.a + ((int32_t)((uint32_t)a0 - (uint32_t)b0) >> 7), q.b, k.a, k.b, fix);
        o1[1] = mf_rq_fast(q.a + ((int32_t)((uint32_t)a1 - (uint32_t)b1) >> 7), q.b, k.a, k.b, fix);
    }
}

static void pair2_store(int32_t a0, int32_t b0, int32_t a1, int32_t b1, const int32_t *r, int8_t *o0, int8_t *o1,
                        int two, const mf_rq *rq)
{
    if (rq->mode != MF_DSP_RQ_EXACT) {
        pair2_fast(a0, b0, a1, b1, r, o0, o1, two, 1);
    } else {
        mf_pair_exact(a0, b0, r, o0, two, rq);
        mf_pair_exact(a1, b1, r, o1, two, rq);
    }
}

#if MF_DSP_ASM
/* The full 2-pair tiles of two pixels over a widened column buffer, requantised (FAST or
 * FAST_FLOOR) and stored, in one hand-scheduled loop: per tile the MAC loop of x2p2w (51
 * instructions per 64 multiply-accumulates) and about 90 for zeroing, the eight requantisations
 * (each row's record by one LDM) and the stores, sums kept in registers
 * throughout. Returns the weights after the tiles. The C
 * path (x2p2w, pair2_fast) is the same arithmetic and what the host build runs. */
typedef struct {
    const int32_t *wcol;
    int32_t nblk;
    const int32_t *w;
    const int32_t *rec;
    int8_t *o0, *o1;
    int32_t tiles; /* >= 1 */
    int32_t fix;   /* 1: MF_DSP_RQ_FAST, 0: MF_DSP_RQ_FAST_FLOOR */
} mf_row2_args;
const int32_t *mf_conv2d_s8_row2(const mf_row2_args *a);
__asm__(".syntax unified\n"
        ".section .text.mf_conv2d_s8_row2,\"ax\",%progbits\n"
        ".balign 4\n"
        ".thumb_func\n"
        ".type mf_conv2d_s8_row2, %function\n"
        "mf_conv2d_s8_row2:\n"
        "  push {r4, r5, r6, r7, r8, r9, r10, r11, lr}\n"
        "  sub sp, sp, #36\n"
        /* locals: [sp] end of wcol, [4] wcol, [8] nblk, [12] rec, [16] o0, [20] o1, [24] tiles, [28] fix */
        "  ldrd r2, r3, [r0]\n"
        "  add r4, r2, r3, lsl #4\n"
        "  str r4, [sp]\n"
        "  strd r2, r3, [sp, #4]\n"
        "  ldr r1, [r0, #8]\n"
        "  ldrd r2, r3, [r0, #12]\n"
        "  strd r2, r3, [sp, #12]\n"
        "  ldrd r2, r3, [r0, #20]\n"
        "  strd r2, r3, [sp, #20]\n"
        "  ldr r2, [r0, #28]\n"
        "  str r2, [sp, #28]\n"
        "0:\n"
        "  ldr r0, [sp, #4]\n"
        "  mov r4, #0\n"
        "  mov r5, #0\n"
        "  mov r6, #0\n"
        "  mov r7, #0\n"
        "  mov r8, #0\n"
        "  mov r9, #0\n"
        "  mov r10, #0\n"
        "  mov r11, #0\n"
        "  ldr r2, [sp, #8]\n"
        "  tst r2, #1\n"
        "  bne 2f\n"
        "1:\n"
        "  ldrd r2, r3, [r0], #8\n"
        "  ldrd ip, lr, [r1], #8\n"
        "  smlad r4, ip, r2, r4\n"
        "  smlad r8, ip, r3, r8\n"
        "  smlad r6, lr, r2, r6\n"
        "  smlad r10, lr, r3, r10\n"
        "  sxtb16 ip, ip\n"
        "  sxtb16 lr, lr\n"
        "  smlad r5, ip, r2, r5\n"
        "  smlad r9, ip, r3, r9\n"
        "  smlad r7, lr, r2, r7\n"
        "  smlad r11, lr, r3, r11\n"
        "  ldrd r2, r3, [r0], #8\n"
        "  ldrd ip, lr, [r1], #8\n"
        "  smlad r4, ip, r2, r4\n"
        "  smlad r8, ip, r3, r8\n"
        "  smlad r6, lr, r2, r6\n"
        "  smlad r10, lr, r3, r10\n"
        "  sxtb16 ip, ip\n"
        "  sxtb16 lr, lr\n"
        "  smlad r5, ip, r2, r5\n"
        "  smlad r9, ip, r3, r9\n"
        "  smlad r7, lr, r2, r7\n"
        "  smlad r11, lr, r3, r11\n"
        "2:\n"
        "  ldrd r2, r3, [r0], #8\n"
        "  ldrd ip, lr, [r1], #8\n"
        "  smlad r4, ip, r2, r4\n"
        "  smlad r8, ip, r3, r8\n"
        "  smlad r6, lr, r2, r6\n"
        "  smlad r10, lr, r3, r10\n"
        "  sxtb16 ip, ip\n"
        "  sxtb16 lr, lr\n"
        "  smlad r5, ip, r2, r5\n"
        "  smlad r9, ip, r3, r9\n"
        "  smlad r7, lr, r2, r7\n"
        "  smlad r11, lr, r3, r11\n"
        "  ldrd r2, r3, [r0], #8\n"
        "  ldrd ip, lr, [r1], #8\n"
        "  smlad r4, ip, r2, r4\n"
        "  smlad r8, ip, r3, r8\n"
        "  smlad r6, lr, r2, r6\n"
        "  smlad r10, lr, r3, r10\n"
        "  sxtb16 ip, ip\n"
        "  sxtb16 lr, lr\n"
        "  smlad r5, ip, r2, r5\n"
        "  smlad r9, ip, r3, r9\n"
        "  smlad r7, lr, r2, r7\n"
        "  smlad r11, lr, r3, r11\n"
        "  ldr r2, [sp]\n"
        "  cmp r0, r2\n"
        "  bne 1b\n"
        "  ldr r0, [sp, #12]\n"
        "  ldr r2, [sp, #28]\n"
        "  cmp r2, #0\n"
        "  bne 3f\n"
        "  sub r4, r4, r5\n"
        "  sub r8, r8, r9\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r5, r2, r5, lsl #1\n"
        "  add r9, r2, r9, lsl #1\n"
        "  smmulr r5, r5, r3\n"
        "  smmulr r9, r9, r3\n"
        "  add r5, r5, ip\n"
        "  add r9, r9, ip\n"
        "  asr r5, r5, lr\n"
        "  asr r9, r9, lr\n"
        "  ssat r5, #8, r5\n"
        "  ssat r9, #8, r9\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r4, r2, r4, asr #7\n"
        "  add r8, r2, r8, asr #7\n"
        "  smmulr r4, r4, r3\n"
        "  smmulr r8, r8, r3\n"
        "  add r4, r4, ip\n"
        "  add r8, r8, ip\n"
        "  asr r4, r4, lr\n"
        "  asr r8, r8, lr\n"
        "  ssat r4, #8, r4\n"
        "  ssat r8, #8, r8\n"
        "  sub r6, r6, r7\n"
        "  sub r10, r10, r11\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r7, r2, r7, lsl #1\n"
        "  add r11, r2, r11, lsl #1\n"
        "  smmulr r7, r7, r3\n"
        "  smmulr r11, r11, r3\n"
        "  add r7, r7, ip\n"
        "  add r11, r11, ip\n"
        "  asr r7, r7, lr\n"
        "  asr r11, r11, lr\n"
        "  ssat r7, #8, r7\n"
        "  ssat r11, #8, r11\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r6, r2, r6, asr #7\n"
        "  add r10, r2, r10, asr #7\n"
        "  smmulr r6, r6, r3\n"
        "  smmulr r10, r10, r3\n"
        "  add r6, r6, ip\n"
        "  add r10, r10, ip\n"
        "  asr r6, r6, lr\n"
        "  asr r10, r10, lr\n"
        "  ssat r6, #8, r6\n"
        "  ssat r10, #8, r10\n"
        "  b 4f\n"
        "3:\n"
        "  sub r4, r4, r5\n"
        "  sub r8, r8, r9\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r5, r2, r5, lsl #1\n"
        "  add r9, r2, r9, lsl #1\n"
        "  smmulr r5, r5, r3\n"
        "  smmulr r9, r9, r3\n"
        "  add r5, r5, r5, asr #31\n"
        "  add r9, r9, r9, asr #31\n"
        "  add r5, r5, ip\n"
        "  add r9, r9, ip\n"
        "  asr r5, r5, lr\n"
        "  asr r9, r9, lr\n"
        "  ssat r5, #8, r5\n"
        "  ssat r9, #8, r9\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r4, r2, r4, asr #7\n"
        "  add r8, r2, r8, asr #7\n"
        "  smmulr r4, r4, r3\n"
        "  smmulr r8, r8, r3\n"
        "  add r4, r4, r4, asr #31\n"
        "  add r8, r8, r8, asr #31\n"
        "  add r4, r4, ip\n"
        "  add r8, r8, ip\n"
        "  asr r4, r4, lr\n"
        "  asr r8, r8, lr\n"
        "  ssat r4, #8, r4\n"
        "  ssat r8, #8, r8\n"
        "  sub r6, r6, r7\n"
        "  sub r10, r10, r11\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r7, r2, r7, lsl #1\n"
        "  add r11, r2, r11, lsl #1\n"
        "  smmulr r7, r7, r3\n"
        "  smmulr r11, r11, r3\n"
        "  add r7, r7, r7, asr #31\n"
        "  add r11, r11, r11, asr #31\n"
        "  add r7, r7, ip\n"
        "  add r11, r11, ip\n"
        "  asr r7, r7, lr\n"
        "  asr r11, r11, lr\n"
        "  ssat r7, #8, r7\n"
        "  ssat r11, #8, r11\n"
        "  ldmia r0!, {r2, r3, ip, lr}\n"
        "  add r6, r2, r6, asr #7\n"
        "  add r10, r2, r10, asr #7\n"
        "  smmulr r6, r6, r3\n"
        "  smmulr r10, r10, r3\n"
        "  add r6, r6, r6, asr #31\n"
        "  add r10, r10, r10, asr #31\n"
        "  add r6, r6, ip\n"
        "  add r10, r10, ip\n"
        "  asr r6, r6, lr\n"
        "  asr r10, r10, lr\n"
        "  ssat r6, #8, r6\n"
        "  ssat r10, #8, r10\n"
        "4:\n"
        "  str r0, [sp, #12]\n"
        "  ldr r0, [sp, #16]\n"
        "  strb r5, [r0]\n"
        "  strb r4, [r0, #1]\n"
        "  strb r7, [r0, #2]\n"
        "  strb r6, [r0, #3]\n"
        "  adds r0, #4\n"
        "  str r0, [sp, #16]\n"
        "  ldr r0, [sp, #20]\n"
        "  strb r9, [r0]\n"
        "  strb r8, [r0, #1]\n"
        "  strb r11, [r0, #2]\n"
        "  strb r10, [r0, #3]\n"
        "  adds r0, #4\n"
        "  str r0, [sp, #20]\n"
        "  ldr r2, [sp, #24]\n"
        "  subs r2, #1\n"
        "  str r2, [sp, #24]\n"
        "  bne 0b\n"
        "  mov r0, r1\n"
        "  add sp, sp, #36\n"
        "  pop {r4, r5, r6, r7, r8, r9, r10, r11, pc}\n"
        ".size mf_conv2d_s8_row2, .-mf_conv2d_s8_row2\n"
        ".text\n");
#endif

/* Every output row of two pixels whose windows are interleaved in col2 (raw, or widened). */
static void row2(const int32_t *col2, int wide, int32_t nblk, const mf_conv2d_s8_params *p, int8_t *o0, int8_t *o1,
                 const mf_rq *rq)
{
    const int32_t *w = p->dsp_filter;
    const int32_t *rec = p->dsp_chan;
    int32_t left = p->out_c;
#if MF_DSP_ASM
    if (wide && rq->mode != MF_DSP_RQ_EXACT && left >= 4) {
        const mf_row2_args a = {col2, nblk, w, rec, o0, o1, left >> 2, rq->mode == MF_DSP_RQ_FAST};
        w = mf_conv2d_s8_row2(&a);
        rec += 16 * (left >> 2);
        o0 += 4 * (left >> 2);
        o1 += 4 * (left >> 2);
        left &= 3;
    }
#endif
    for (; left > 2; left -= 4, rec += 16, o0 += 4, o1 += 4) {
        sums2x2 t;
        w = wide ? x2p2w(col2, nblk, w, &t) : x2p2(col2, nblk, w, &t);
#if MF_DSP_ASM
        /* mf_conv2d_s8_row2 took the common case: raw words, EXACT and a last short tile come here */
        pair2_store(t.a00, t.b00, t.a01, t.b01, rec, o0, o1, 1, rq);
        pair2_store(t.a10, t.b10, t.a11, t.b11, rec + 8, o0 + 2, o1 + 2, left > 3, rq);
#else
        if (rq->mode == MF_DSP_RQ_FAST_FLOOR) {
            pair2_fast(t.a00, t.b00, t.a01, t.b01, rec, o0, o1, 1, 0);
            pair2_fast(t.a10, t.b10, t.a11, t.b11, rec + 8, o0 + 2, o1 + 2, left > 3, 0);
        } else if (rq->mode == MF_DSP_RQ_FAST) {
            pair2_fast(t.a00, t.b00, t.a01, t.b01, rec, o0, o1, 1, 1);
            pair2_fast(t.a10, t.b10, t.a11, t.b11, rec + 8, o0 + 2, o1 + 2, left > 3, 1);
        } else {
            pair2_store(t.a00, t.b00, t.a01, t.b01, rec, o0, o1, 1, rq);
            pair2_store(t.a10, t.b10, t.a11, t.b11, rec + 8, o0 + 2, o1 + 2, left > 3, rq);
        }
#endif
    }
    if (left > 0) {
        int32_t acc[4];
        x2p1(col2, wide, w, nblk, acc);
        pair2_store(acc[0], acc[1], acc[2], acc[3], rec, o0, o1, left > 1, rq);
    }
}

/* Every output row of one pixel (the window as segments), same weight layout. */
static void row1(const mf_seg *seg, int32_t nseg, const mf_conv2d_s8_params *p, int8_t *out, const mf_rq *rq)
{
    const int32_t *w = p->dsp_filter;
    const int32_t *rec = p->dsp_chan;
    int32_t acc[8];
    int32_t left = p->out_c;
    for (; left > 3; left -= 4, rec += 16, out += 4) {
        mf_zero8(acc);
        w = mf_lane_tile(2, seg, nseg, w, acc);
        if (rq->mode == MF_DSP_RQ_EXACT) {
            mf_pair_exact(acc[0], acc[1], rec, out, 1, rq);
            mf_pair_exact(acc[2], acc[3], rec + 8, out + 2, 1, rq);
        } else {
            mf_pair_fast(acc[0], acc[1], rec, out, 1, 1);
            mf_pair_fast(acc[2], acc[3], rec + 8, out + 2, 1, 1);
        }
    }
    if (left > 0) {
        mf_lane_tile_rest((left + 1) >> 1, seg, nseg, w, rec, left, out, rq);
    }
}

/* The window of output pixel `pix` as segments read in place (MF_DSP_PAIRS) or gathered into col
 * (MF_DSP_PAIRS_IM2COL); returns the number of segments. */
static int32_t pixel_window(const mf_conv2d_s8_params *p, const int8_t *input, int32_t pix, mf_seg *seg,
                            int8_t *col)
{
    const int32_t oy = pix / p->out_w, ox = pix - oy * p->out_w;
    const int32_t in_y0 = oy * p->stride_h - p->pad_top, in_x0 = ox * p->stride_w - p->pad_left;
    if (p->dsp_path == MF_DSP_PAIRS_IM2COL) {
        seg[0].ptr = col;
        seg[0].nblk = window_im2col(p, input, in_y0, in_x0, col);
        return 1;
    }
    if (p->k_h == 1 && p->k_w == 1 && p->dsp_pad == NULL) {
        seg[0].ptr = input + ((size_t)in_y0 * p->in_w + in_x0) * p->in_c;
        seg[0].nblk = p->in_c >> 2;
        return 1;
    }
    return window_segments(p, input, in_y0, in_x0, seg);
}

/* Pixel `pix`'s window into its slot of the column buffer: raw, every other word (stride 8 bytes);
 * widened, per block the words SXTB16 and SXTB16-ROR-8 at dst[0] and dst[2] (stride 16 bytes). */
static __attribute__((noinline)) void spread_window(const mf_conv2d_s8_params *p, const int8_t *input, int32_t pix,
                                                    int32_t *dst, int wide)
{
    mf_seg seg[MF_DSP_MAX_SEGS];
    int8_t col[MF_DSP_COL_MAX] __attribute__((aligned(4)));
    const int32_t nseg = pixel_window(p, input, pix, seg, col);
    for (int32_t s = 0; s < nseg; ++s) {
        const int8_t *x = seg[s].ptr;
        const int8_t *end = x + 4 * seg[s].nblk;
        if (wide) {
            for (; x != end; x += 4, dst += 4) {
                const uint32_t v = mf_read32(x);
                dst[0] = mf_sxtb16(v);
                dst[2] = mf_sxtb16_ror8(v);
            }
        } else {
            for (; x != end; x += 4, dst += 2) {
                *dst = (int32_t)mf_read32(x);
            }
        }
    }
}

static __attribute__((noinline)) void one_pixel(const mf_conv2d_s8_params *p, const int8_t *input, int32_t pix,
                                                int8_t *out, const mf_rq *rq)
{
    mf_seg seg[MF_DSP_MAX_SEGS];
    int8_t col[MF_DSP_COL_MAX] __attribute__((aligned(4)));
    const int32_t nseg = pixel_window(p, input, pix, seg, col);
    row1(seg, nseg, p, out, rq);
}

void mf_conv2d_s8(const mf_conv2d_s8_params *p, const int8_t *input, int8_t *output)
{
    if (p->dsp_path == MF_DSP_GENERIC) {
        mf_conv2d_s8_reference(p, input, output);
        return;
    }
    const mf_rq rq = {p->dsp_requant, p->output_offset, p->act_min, p->act_max};
    const int32_t npix = p->out_h * p->out_w;
    const int32_t nblk = (p->k_h * p->k_w * p->in_c + 3) >> 2;
    int32_t pix = 0;
    if (nblk * 4 <= MF_DSP_PAIR_MAX) {
        /* two pixels at a time: widened lanes (4 words per block) when they fit, else raw words */
        int32_t col2[MF_DSP_PAIR_MAX / 2] __attribute__((aligned(8)));
        const int wide = nblk * 16 <= (int32_t)sizeof col2;
        for (; pix + 1 < npix; pix += 2) {
            spread_window(p, input, pix, col2, wide);
            spread_window(p, input, pix + 1, col2 + 1, wide);
            row2(col2, wide, nblk, p, output + (size_t)pix * p->out_c, output + (size_t)(pix + 1) * p->out_c, &rq);
        }
    }
    for (; pix < npix; ++pix) {
        one_pixel(p, input, pix, output + (size_t)pix * p->out_c, &rq);
    }
}
