/*
 * Private to the dsp kernels: the hand-scheduled assembly loops, one per .S file beside the kernel
 * that calls them (firmware/kernels/dsp/<kernel>_<loop>.S; the build links a kernel's .S files with
 * it). They run on Thumb-2 cores with the DSP extension in optimised builds (MF_DSP_ASM, where the
 * C kernels call them); every other build runs the C beside each call, which is the same
 * arithmetic (the host suite tests it).
 */
#ifndef MF_DSP_ASM_H
#define MF_DSP_ASM_H

#include <stddef.h>
#include <stdint.h>

#include "mcuforge/dsp.h"

/* The loops need 14 registers: at -O0 the frame pointer takes one, so only optimised builds use them. */
#if MF_DSP_NATIVE && defined(__thumb2__) && defined(__OPTIMIZE__)
#define MF_DSP_ASM 1
#else
#define MF_DSP_ASM 0
#endif

/* A compile-time check of the layouts the assembly reads (C99 has no _Static_assert). */
#define MF_ASM_OFFSET(type, field, offset) \
    typedef char mf_asm_offset_##type##_##field[offsetof(type, field) == (offset) ? 1 : -1]

/* CONV_2D (mf_conv2d_s8_pairs.S), mf_conv2d_s8_row2: `tiles` full 2-pair tiles (4 output rows each) of two pixels over a
 * widened column buffer wcol (per 4-byte block of the window: the SXTB16 words of pixel 0 and 1, then
 * their SXTB16-ROR-8 words), weights w (nn.h row-pair layout), records rec (4 words per row),
 * requantised as MF_DSP_RQ_FAST (fix = 1) or MF_DSP_RQ_FAST_FLOOR (fix = 0), the rows of pixel 0
 * stored from o0 and pixel 1's from o1 (o1 == o0 for a pixel computed alone). */
typedef struct {
    const int32_t *wcol;
    int32_t nblk; /* >= 1 */
    const int32_t *w;
    const int32_t *rec;
    int8_t *o0, *o1;
    int32_t tiles; /* >= 1 */
    int32_t fix;
} mf_row2_args;
#if MF_DSP_ASM
MF_ASM_OFFSET(mf_row2_args, nblk, 4);
MF_ASM_OFFSET(mf_row2_args, w, 8);
MF_ASM_OFFSET(mf_row2_args, rec, 12);
MF_ASM_OFFSET(mf_row2_args, o0, 16);
MF_ASM_OFFSET(mf_row2_args, o1, 20);
MF_ASM_OFFSET(mf_row2_args, tiles, 24);
MF_ASM_OFFSET(mf_row2_args, fix, 28);
void mf_conv2d_s8_row2(const mf_row2_args *a);
#endif

/* CONV_2D (mf_conv2d_s8_pairs.S), mf_conv2d_s8_pairs: a run of `pairs` pixel pairs whose windows lie inside the input.
 * The first pixel's window starts at `input`; each next pixel's window pixel_step bytes on; a window
 * is `rows` rows of rblk 4-byte blocks (nblk = rows * rblk), row_pitch bytes apart. Each pair is
 * widened into wcol and goes through every tile (out_c = 4 * tiles bytes per pixel, from the first
 * pair's o0 and o1, each next pair's 2 * out_c on). */
typedef struct {
    mf_row2_args row;
    const int8_t *input;
    int32_t pairs; /* >= 1 */
    int32_t pixel_step, row_pitch;
    int32_t rows, rblk;
} mf_pairs_args;
#if MF_DSP_ASM
MF_ASM_OFFSET(mf_pairs_args, input, 32);
MF_ASM_OFFSET(mf_pairs_args, pairs, 36);
MF_ASM_OFFSET(mf_pairs_args, pixel_step, 40);
MF_ASM_OFFSET(mf_pairs_args, row_pitch, 44);
MF_ASM_OFFSET(mf_pairs_args, rows, 48);
MF_ASM_OFFSET(mf_pairs_args, rblk, 52);
void mf_conv2d_s8_pairs(const mf_pairs_args *a);
#endif

/* DEPTHWISE_CONV_2D (mf_depthwise_conv2d_s8_strip.S): the 4 channels of one channel group of a 3x3
 * depthwise convolution over one band of their planar copy. `rows`: the strips, channel after
 * channel, each channel's strips 0 .. S - 1 back to back (S = strips + (tail > 0)). Stride 1 (_strip):
 * a strip holds, for rows r = 0 .. passes + 1, three words (P01, P23, P45): the int16 pairs
 * (x + input_offset) at positions u0 .. u0 + 5 of plane row v0 + r; pass k reads rows k .. k + 2.
 * Stride 2 (_strip2): rows r = 0 .. 2 passes, five words (positions 2 u0 .. 2 u0 + 9); pass k reads
 * rows 2 k .. 2 k + 2. Pass k of strip s computes the outputs at u0 + 4 s + i (i < 4, or i < tail in
 * the last strip when tail > 0) of output row v0 + k, stored for channel j at
 * out + j + k * step_v + (4 s + i) * step_u. weights: per channel the five words of nn.h
 * (A0, C, A1, A2, D), whence per kernel row Wa = (w0, w1) and Wb = (w2, w1) in int16 lanes, scaled
 * as its record says; rec: the channels' dsp_chan
 * records; mode: MF_DSP_RQ_FLOOR_SHIFT (a channel whose record keeps a shift >= 1 then runs as
 * MF_DSP_RQ_FAST), MF_DSP_RQ_FAST or MF_DSP_RQ_FAST_FLOOR (nn.h). */
typedef struct {
    const int32_t *rows;
    const int32_t *weights; /* [4][5] */
    const int32_t *rec;     /* [4][4] */
    int8_t *out;
    int32_t step_u, step_v;
    int32_t passes; /* >= 1 */
    int32_t mode;
    int32_t strips; /* full strips of 4 outputs, >= 0 */
    int32_t tail;   /* outputs of a last, partial strip: 0 .. 3 */
} mf_dw_strip_args;
#if MF_DSP_ASM
MF_ASM_OFFSET(mf_dw_strip_args, weights, 4);
MF_ASM_OFFSET(mf_dw_strip_args, rec, 8);
MF_ASM_OFFSET(mf_dw_strip_args, out, 12);
MF_ASM_OFFSET(mf_dw_strip_args, step_u, 16);
MF_ASM_OFFSET(mf_dw_strip_args, step_v, 20);
MF_ASM_OFFSET(mf_dw_strip_args, passes, 24);
MF_ASM_OFFSET(mf_dw_strip_args, mode, 28);
MF_ASM_OFFSET(mf_dw_strip_args, strips, 32);
MF_ASM_OFFSET(mf_dw_strip_args, tail, 36);
void mf_depthwise_conv2d_s8_strip(const mf_dw_strip_args *a);
void mf_depthwise_conv2d_s8_strip2(const mf_dw_strip_args *a);
#endif

/* DEPTHWISE_CONV_2D (mf_depthwise_conv2d_s8_strip.S): one plane row of 4 channels into the strips.
 * First the row of input words (4 channels each) at positions 0 .. width - 1 into `row`: the zero
 * point before `first` and from first + count on, the words at src + k * src_step between. Then strip
 * s's row of channel k, the words (x_2j + offset | x_2j+1 + offset << 16) for j = 2 s .. 2 s + 2
 * (_plane, stride 1) or j = 4 s .. 4 s + 4 (_plane2, stride 2), is stored at dst + k * chan_bytes +
 * s * strip_bytes (bytes; chan_bytes = strips * strip_bytes). off2: the input offset in both 16-bit
 * lanes. */
typedef struct {
    uint32_t *row;
    int32_t *dst;
    int32_t chan_bytes, off2;
    int32_t strips; /* >= 1 */
    int32_t strip_bytes;
    const int8_t *src;
    int32_t src_step;
    int32_t first, count, width;
    uint32_t zp;
} mf_dw_plane_args;
#if MF_DSP_ASM
MF_ASM_OFFSET(mf_dw_plane_args, dst, 4);
MF_ASM_OFFSET(mf_dw_plane_args, chan_bytes, 8);
MF_ASM_OFFSET(mf_dw_plane_args, off2, 12);
MF_ASM_OFFSET(mf_dw_plane_args, strips, 16);
MF_ASM_OFFSET(mf_dw_plane_args, strip_bytes, 20);
MF_ASM_OFFSET(mf_dw_plane_args, src, 24);
MF_ASM_OFFSET(mf_dw_plane_args, src_step, 28);
MF_ASM_OFFSET(mf_dw_plane_args, first, 32);
MF_ASM_OFFSET(mf_dw_plane_args, count, 36);
MF_ASM_OFFSET(mf_dw_plane_args, width, 40);
MF_ASM_OFFSET(mf_dw_plane_args, zp, 44);
void mf_depthwise_conv2d_s8_plane(const mf_dw_plane_args *a);
void mf_depthwise_conv2d_s8_plane2(const mf_dw_plane_args *a);
#endif

/* FULLY_CONNECTED (mf_fully_connected_s8_rows.S): `tiles` full 4-pair tiles (8 output rows each) over
 * one widened input row x (per 4-byte block its SXTB16 and SXTB16-ROR-8 words), weights w (nn.h
 * row-pair layout), records rec, requantised as mf_row2_args says, stored from out. Returns the
 * weights after the tiles. */
typedef struct {
    const int32_t *x;
    int32_t nblk; /* >= 1 */
    const int32_t *w;
    const int32_t *rec;
    int8_t *out;
    int32_t tiles; /* >= 1 */
    int32_t fix;
} mf_fc_rows_args;
#if MF_DSP_ASM
MF_ASM_OFFSET(mf_fc_rows_args, nblk, 4);
MF_ASM_OFFSET(mf_fc_rows_args, w, 8);
MF_ASM_OFFSET(mf_fc_rows_args, rec, 12);
MF_ASM_OFFSET(mf_fc_rows_args, out, 16);
MF_ASM_OFFSET(mf_fc_rows_args, tiles, 20);
MF_ASM_OFFSET(mf_fc_rows_args, fix, 24);
const int32_t *mf_fully_connected_s8_rows(const mf_fc_rows_args *a);
#endif

/* QUANTIZE float32 -> int8 (mf_quantize_s8_mul.S, cores with a single-precision FPU): up to `groups`
 * groups of four elements by the product with inv = 1 / scale (dsp/mf_quantize_s8.c), stopping
 * before a group with a quotient near a rounding boundary; returns the groups done. */
typedef struct {
    const float *in;
    int8_t *out;
    int32_t groups;
    float inv;
    int32_t bias;
} mf_quantize_mul_args;
#if MF_DSP_ASM && defined(__ARM_FP) && (__ARM_FP & 4)
#define MF_QUANTIZE_MUL_ASM 1
MF_ASM_OFFSET(mf_quantize_mul_args, out, 4);
MF_ASM_OFFSET(mf_quantize_mul_args, groups, 8);
MF_ASM_OFFSET(mf_quantize_mul_args, inv, 12);
MF_ASM_OFFSET(mf_quantize_mul_args, bias, 16);
int32_t mf_quantize_s8_mul(const mf_quantize_mul_args *a);
#else
#define MF_QUANTIZE_MUL_ASM 0
#endif

#endif /* MF_DSP_ASM_H */
