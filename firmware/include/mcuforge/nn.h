/*
 * mcuforge kernel library: the one public header.
 *
 * Conventions for every kernel:
 *  - Signature: void mf_<op>_<type>(const mf_<op>_<type>_params *p, inputs..., outputs...).
 *    The params struct is const data the generator computed at build time (shapes, quantisation
 *    multipliers, weight pointers); kernels never allocate and never fail at run time.
 *  - Tensors are dense, row-major, batch 1. Images are NHWC (N = 1, so [H][W][C]).
 *  - Quantised types: s8 = int8 activations (weights int8, bias int32); s16 = int16 activations
 *    (int8 weights, int64 bias: TFLite's "int16x8"); f32 = float32. Real value = scale * (q - zp).
 *  - Offsets follow TFLM: input_offset = -input_zero_point, output_offset = +output_zero_point,
 *    filter weights are symmetric (zero point 0).
 *  - Output scaling: out = MBQM(acc, mult, shift) with TFLM's double rounding (fixedpoint.h);
 *    shift > 0 is a left shift. act_min/act_max clamp after the output offset is added.
 *  - Every kernel has a reference implementation (firmware/kernels/reference/<name>.c); cores
 *    with the DSP extension may build an optimised file of the same name from
 *    firmware/kernels/dsp/. Both give identical results.
 */
#ifndef MCUFORGE_NN_H
#define MCUFORGE_NN_H

#include <stddef.h>
#include <stdint.h>

#include "mcuforge/variant.h" /* MF_KERNELS_<VARIANT>: which kernels this build compiles */

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- window geometry -------------- */

/* The geometry every window kernel shares (CONV_2D, DEPTHWISE_CONV_2D, AVERAGE_POOL_2D,
 * MAX_POOL_2D; every type): [in_h][in_w][in_c] -> [out_h][out_w][out_c]. Cell (ky, kx) of the window
 * of output (oy, ox) is input (oy * stride_h - pad_top + ky * dil_h, ox * stride_w - pad_left +
 * kx * dil_w); pad_top/pad_left are TFLM's SAME/VALID padding (the smaller half). Strides and
 * dilations >= 1. Pooling: out_c = in_c, dilations 1. DEPTHWISE_CONV_2D: out_c = in_c * the depth
 * multiplier. */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w, dil_h, dil_w;
    int32_t pad_top, pad_left;
} mf_conv_geometry;

/* ---------------------------------------------------------------- CONV_2D ---------------------- */

/* DSP variant (firmware/kernels/dsp/, cores with SMLAD/SXTB16). The s8 CONV_2D, DEPTHWISE_CONV_2D
 * and FULLY_CONNECTED params end in dsp_* fields that the reference kernels ignore. dsp_path picks
 * the kernel's path; MF_DSP_GENERIC runs the reference algorithm on the plain fields. Any other path
 * reads only the dsp_* arrays and the geometry, and the generator (built for a DSP target) then leaves
 * filter, bias, out_mult and out_shift NULL rather than storing the weights twice: such params are
 * for the dsp kernels only (codegen/ops/dsp_pack.py writes every layout below). dsp_scratch points
 * into the arena: bytes the generator sized for this call, planned as a buffer alive only while it
 * runs. A build for one model compiles only the code paths its layers take: it defines
 * MF_DSP_SELECT and MF_DSP_WITH_<path> = 1 for each (CONV_2D: CONV_C_TILES, the C tiles that
 * take EXACT requantisation and out_c % 4 rows on ARM; DEPTHWISE_CONV_2D: DW_LANES with its
 * requantisations DW_LANES_FAST / _FLOOR / _EXACT (and DW_LANES_ANY for a window other than 3x3
 * without dilation), DW_PLANAR at
 * stride 1, DW_PLANAR2 at stride 2, and for the planar ones DW_RQ_SHIFT / DW_RQ_FAST, the
 * requantisations their channels take, and DW_TAIL1..3, the width of a last strip; FULLY_CONNECTED:
 * FC_ROWS, the assembly of full 8-row tiles, for a layer of 8 rows or more; codegen
 * KernelCall.dsp_paths; an exported library's mcuforge/variant.h defines them); without
 * MF_DSP_SELECT every path is compiled.
 *  - Row pairs (dsp_filter of CONV_2D and FULLY_CONNECTED, MF_DSP_PAIRS): the weights as a
 *    [rows][K] matrix (FULLY_CONNECTED: K = in_depth; CONV_2D: the window in OHWI order, each of its
 *    k_h rows of k_w * in_c weights zero-padded to a multiple of 4), K zero-padded to a multiple
 *    of 4, rows to an even count. Rows r = 2j, 2j+1 share the int16 H_j[k] = W[r][k] + 256 W[r+1][k];
 *    per block of 4 inputs a pair has two words, e = (H[4b] | H[4b+2] << 16), o = (H[4b+1] |
 *    H[4b+3] << 16). Tiles of pairs (FULLY_CONNECTED 4, CONV_2D 2; the last tile holds what
 *    remains), block-major and within a block lane-major: (e0 e1 .. o0 o1 ..), the even words of
 *    the tile's pairs then the odd ones. The input offset is folded into the per-row bias (bias +
 *    input_offset * sum_k W[r][k]); padding reads the input zero point.
 *  - dsp_chan: [rows][4] int32 per output channel. MF_DSP_RQ_FAST: (2 * bias, mult, c, rs),
 *    out = SSAT8(SMMLAR(X, mult, c + (X >> 31)) >> rs) with X = 2 * sum + 2 * bias: identical to
 *    MBQM + output_offset for every reachable sum, which the generator checks (act range = int8;
 *    codegen/ops/dsp_pack.py). MF_DSP_RQ_FAST_FLOOR: the same records when output_offset is -128,
 *    where a negative X always gives -128: the kernel may drop the (X >> 31) term. A row whose
 *    output is the same for every reachable sum has the record (0, 0, 2 * out + 1, 1).
 *    MF_DSP_RQ_EXACT: (bias, mult, shift, 0), out = clamp(MBQM(sum + bias) + output_offset). The
 *    bias (the model's weights) thus lives in dsp_chan with the requantisation constants: one
 *    16-byte load per output row. MF_DSP_RQ_FLOOR_SHIFT (DEPTHWISE_CONV_2D planar; FAST_FLOOR rows
 *    with rs in [MF_DSP_RQ_SHIFT - 7, MF_DSP_RQ_SHIFT - 1]): per row k = MF_DSP_RQ_SHIFT - rs, the
 *    weights and bias scaled by 2^(1 + k) (X' = 2^k X) and the record (2^(1 + k) bias, mult,
 *    K = 2^(k - 1) + c 2^k, -1 - k): out = SSAT8(SMMLA(X', mult, K) >> MF_DSP_RQ_SHIFT), the same
 *    floor((X mult + 2^31 + c 2^32) / 2^(32 + rs)) with one shift for every row; a constant row
 *    has (0, 0, out << MF_DSP_RQ_SHIFT, -1); a row that cannot take the shift keeps its FAST
 *    record (fourth word rs >= 1) and doubled weights. */
#define MF_DSP_GENERIC 0
#define MF_DSP_PAIRS 1          /* CONV_2D (not grouped), FULLY_CONNECTED */
#define MF_DSP_DW_LANES 1       /* DEPTHWISE_CONV_2D: depth_mult 1, in_c % 4 == 0 */
#define MF_DSP_DW_PLANAR 2      /* DEPTHWISE_CONV_2D: also 3x3, stride 1, no dilation, FAST */
#define MF_DSP_RQ_EXACT 0
#define MF_DSP_RQ_FAST 1
#define MF_DSP_RQ_FAST_FLOOR 2
#define MF_DSP_RQ_FLOOR_SHIFT 3 /* DEPTHWISE_CONV_2D planar: one shift for every channel, below */
#define MF_DSP_RQ_SHIFT 10

/* 2-D convolution. filter: [out_c][k_h][k_w][filter_c] (OHWI), filter_c = in_c / groups.
 * Value ranges: out_mult in [2^30, 2^31) or 0; out_shift in [-31, 30]. DSP: dsp_scratch holds
 * 16 * k_h * R bytes (the two-pixel column buffer; R = ceil(k_w * in_c / 4)), then 4 * R bytes
 * (a window row crossing the border). */
typedef struct {
    mf_conv_geometry geo;
    int32_t filter_c;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter;
    const int32_t *bias;      /* [out_c], may be NULL */
    const int32_t *out_mult;  /* [out_c] */
    const int32_t *out_shift; /* [out_c] */
    int32_t dsp_path, dsp_requant;
    const int32_t *dsp_filter;
    const int32_t *dsp_chan;  /* [out_c][4] */
    int32_t *dsp_scratch;     /* arena scratch: the column buffer and a window row */
} mf_conv2d_s8_params;
void mf_conv2d_s8(const mf_conv2d_s8_params *p, const int8_t *input, int8_t *output);

/* ---------------------------------------------------------------- FULLY_CONNECTED -------------- */

/* MVE variant (firmware/kernels/mve/, Helium cores: the Cortex-M55; kernels it lacks come from dsp/,
 * then reference/, and read those variants' layouts). The s8 FULLY_CONNECTED kernel reads the plain
 * fields, laid out for it (codegen/ops/fully_connected.py mve_gemm_s8) unless filter_offset != 0 (then
 * they are the reference layout and it runs the reference algorithm): filter holds each row
 * zero-padded to whole 16-byte blocks, the rows in groups of four, a group block-major (block k of
 * rows 4g .. 4g + 3, then block k + 1), the out_depth % 4 rows after the last group one after the
 * other; bias (always present) is bias + input_offset * sum_i w[o][i], wrapped to int32. A 1x1
 * CONV_2D at stride 1 is generated as this kernel's call (batches = out_h * out_w). The dsp_* fields
 * are unused (NULL).
 * The s8 CONV_2D kernel: dsp_path MF_MVE_GEMM (not grouped; codegen/ops/conv2d.py mve_conv_s8) reads
 * filter as the rows of K = k_h * k_w * in_c weights (the window in HWI order) in the layout above,
 * bias as above with K's weight sums (taps outside the input read the input zero point), out_mult and
 * out_shift per output channel, and dsp_scratch: three rows of ceil(K / 16) * 16 bytes (the windows
 * of three output pixels), then 12 * (out_c & ~3) bytes (their sums); dsp_path MF_DSP_GENERIC (grouped) is the reference algorithm on the plain
 * fields. */
#define MF_MVE_GEMM 1

/* out[b][o] = act(MBQM(bias[o] + sum_i (in[b][i] + input_offset) * (w[o][i] + filter_offset))
 *                  + output_offset). filter: [out_depth][in_depth]. out_mult/out_shift hold one
 * value (per-tensor) or out_depth values (per-channel, n_mult == out_depth). */
typedef struct {
    int32_t batches, in_depth, out_depth;
    int32_t input_offset, filter_offset, output_offset;
    int32_t act_min, act_max;
    int32_t n_mult;
    const int8_t *filter;
    const int32_t *bias;      /* [out_depth], may be NULL */
    const int32_t *out_mult;  /* [n_mult] */
    const int32_t *out_shift; /* [n_mult] */
    int32_t dsp_path, dsp_requant; /* DSP (see CONV_2D): row pairs over K = in_depth */
    const int32_t *dsp_filter;
    const int32_t *dsp_chan;  /* [out_depth][4] */
    int32_t dsp_chunk;        /* the pairs' sums are taken over chunks of this many 4-byte blocks */
    int32_t *dsp_scratch;     /* 8 * ceil(in_depth / 4) bytes: the widened input row; or NULL */
} mf_fully_connected_s8_params;
void mf_fully_connected_s8(const mf_fully_connected_s8_params *p, const int8_t *input, int8_t *output);

/* ---------------------------------------------------------------- pooling ---------------------- */

/* Shared by MAX_POOL_2D and AVERAGE_POOL_2D on s8/s16 (geo.out_c = geo.in_c, dilations 1). */
typedef struct {
    mf_conv_geometry geo;
    int32_t act_min, act_max;
} mf_pool2d_params;
void mf_maxpool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output);

/* ---------------------------------------------------------------- SOFTMAX ---------------------- */

/* Softmax over the last dimension (depth) of `outer` rows. input_multiplier/input_left_shift/
 * diff_min are TFLM's PreprocessSoftmaxScaling(beta, input_scale, 5) results. Output int8 with
 * scale 1/256 and zero point -128. */
typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift, diff_min;
} mf_softmax_s8_params;
void mf_softmax_s8(const mf_softmax_s8_params *p, const int8_t *input, int8_t *output);
/* SOFTMAX int8 -> int16 (TFLM: output scale 1/65536, zero point -32768): the same algorithm and
 * params, the result rescaled to 16 bits (exponent bits_over_unit + 15) and offset by -32768. */
void mf_softmax_s8_s16(const mf_softmax_s8_params *p, const int8_t *input, int16_t *output);

/* ==== control flow (IF, WHILE) ==== */

/* Control flow runs generated subgraph functions (static void <prefix>_subgraph<N>(void), each a
 * straight sequence of kernel calls over fixed storage) and passes values in and out of them by
 * copying whole tensors, as TFLM does: a copy table lists (destination, source, bytes); a table of
 * n = 0 entries may be NULL. Copies never overlap (the planner keeps both ends alive). */
typedef struct {
    void *dst;
    const void *src;
    uint32_t bytes;
} mf_copy;

/* IF: cond (one bool byte) picks the branch; the chosen branch's inputs are copied in from the IF's
 * inputs (its `in` table), the subgraph runs, its outputs are copied out to the IF's outputs. */
typedef struct {
    void (*then_run)(void);
    const mf_copy *then_in;
    uint32_t then_n_in;
    const mf_copy *then_out;
    uint32_t then_n_out;
    void (*else_run)(void);
    const mf_copy *else_in;
    uint32_t else_n_in;
    const mf_copy *else_out;
    uint32_t else_n_out;
} mf_if_params;
void mf_if(const mf_if_params *p, const uint8_t *cond);

/* WHILE: the loop state is the WHILE's outputs. `init` copies the inputs to the outputs; then, as
 * long as the cond subgraph (its inputs copied from the state by `cond_in`) leaves *cond_out true,
 * the body runs on the state (`body_in`) and its outputs become the new state (`body_out`). TFLM
 * puts no bound on the number of iterations and neither does this kernel: a loop whose condition
 * never turns false is the model's semantics (every copy stays within fixed buffers; the device
 * protocol's timeout ends such a run). */
typedef struct {
    const mf_copy *init;
    uint32_t n_init;
    void (*cond_run)(void);
    const mf_copy *cond_in;
    uint32_t cond_n_in;
    const uint8_t *cond_out;
    void (*body_run)(void);
    const mf_copy *body_in;
    uint32_t body_n_in;
    const mf_copy *body_out;
    uint32_t body_n_out;
} mf_while_params;
void mf_while(const mf_while_params *p);

/* ==== convolution, fully connected and pooling variants (f32, s16) ==== */

/* Float kernels: act_min/act_max are TFLM's CalculateActivationRange bounds (NONE = -FLT_MAX..FLT_MAX,
 * RELU = 0..FLT_MAX, RELU6 = 0..6, RELU_N1_TO_1 = -1..1); sums run in TFLM's order, bias added last.
 * s16 kernels ("int16x8"): input and output zero points are 0, so there are no offsets; sums (plus
 * the optional int64 bias) are taken in 64 bits and requantised by mf_mbqm64 (fixedpoint.h). */

/* CONV_2D, float32. filter [out_c][k_h][k_w][filter_c] as mf_conv2d_s8_params'. */
typedef struct {
    mf_conv_geometry geo;
    int32_t filter_c;
    float act_min, act_max;
    const float *filter;
    const float *bias;        /* [out_c], may be NULL */
} mf_conv2d_f32_params;
void mf_conv2d_f32(const mf_conv2d_f32_params *p, const float *input, float *output);

/* CONV_2D, int16 activations, int8 weights (per-channel or per-tensor replicated to out_c).
 * Default (bias int64 or no bias): 64-bit sum, mf_mbqm64, out_shift in [-31, 7]. bias32 set (TFLM's
 * int32-bias variant; bias is then NULL): 32-bit wrapping sum, mf_mbqm. */
typedef struct {
    mf_conv_geometry geo;
    int32_t filter_c;
    int32_t act_min, act_max;
    const int8_t *filter;
    const int64_t *bias;      /* [out_c], may be NULL */
    const int32_t *bias32;    /* [out_c], may be NULL; when set, selects the 32-bit variant */
    const int32_t *out_mult;  /* [out_c] */
    const int32_t *out_shift; /* [out_c] */
} mf_conv2d_s16_params;
void mf_conv2d_s16(const mf_conv2d_s16_params *p, const int16_t *input, int16_t *output);

/* DEPTHWISE_CONV_2D: [in_h][in_w][in_c] -> [out_h][out_w][out_c], out_c = in_c * depth_mult
 * (depth_mult = geo.out_c / geo.in_c); output channel oc = ic * depth_mult + m reads input channel
 * ic. filter: [k_h][k_w][out_c] (1HWO).
 * s8: acc = sum w * (x + input_offset) + bias, out = MBQM(acc) + output_offset, clamped. */
typedef struct {
    mf_conv_geometry geo;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter;
    const int32_t *bias;      /* [out_c], may be NULL */
    const int32_t *out_mult;  /* [out_c] */
    const int32_t *out_shift; /* [out_c] */
    /* DSP (see CONV_2D); dsp_chan as CONV_2D's with bias = the plain bias (the input offset is
     * added to the inputs, not folded). MF_DSP_DW_LANES: dsp_filter holds per group of 4 channels,
     * per tap (ky, kx), the int16-lane words (w[c0] | w[c2] << 16), (w[c1] | w[c3] << 16);
     * dsp_pad: in_c bytes of the input zero point (3x3 windows crossing the border read it).
     * MF_DSP_DW_PLANAR (3x3, stride 1 or 2, dilation 1, FAST requantisation): per channel five
     * int16-lane words of its kernel rows r (of the window transposed when dsp_transposed), each
     * weight scaled by 2 (or by 2^(1 + k), MF_DSP_RQ_FLOOR_SHIFT): A0, C, A1, A2, D with
     * A_r = (w_r0 | w_r1 << 16), C = (w_02 | w_12 << 16), D = (w_22 | 0); the plane runs along the
     * output's width, or its height when dsp_transposed (out_u outputs along it, out_v across);
     * dsp_band: output rows of the plane per band; dsp_scratch: 4 channels x S strips
     * (S = ceil(out_u / 4)) x R rows x W words (stride 1: R = dsp_band + 2, W = 3; stride 2:
     * R = 2 dsp_band + 1, W = 5), then 4 stride S + 2 words. */
    int32_t dsp_path, dsp_requant;
    const int32_t *dsp_filter;
    const int32_t *dsp_chan;  /* [out_c][4] */
    const int8_t *dsp_pad;
    int32_t dsp_transposed, dsp_band;
    int32_t *dsp_scratch;
} mf_depthwise_conv2d_s8_params;
void mf_depthwise_conv2d_s8(const mf_depthwise_conv2d_s8_params *p, const int8_t *input, int8_t *output);

typedef struct {
    mf_conv_geometry geo;
    int32_t act_min, act_max;
    const int8_t *filter;
    const int64_t *bias;      /* [out_c], may be NULL */
    const int32_t *out_mult;  /* [out_c] */
    const int32_t *out_shift; /* [out_c] */
} mf_depthwise_conv2d_s16_params;
void mf_depthwise_conv2d_s16(const mf_depthwise_conv2d_s16_params *p, const int16_t *input, int16_t *output);

typedef struct {
    mf_conv_geometry geo;
    float act_min, act_max;
    const float *filter;
    const float *bias;        /* [out_c], may be NULL */
} mf_depthwise_conv2d_f32_params;
void mf_depthwise_conv2d_f32(const mf_depthwise_conv2d_f32_params *p, const float *input, float *output);

/* FULLY_CONNECTED, float32 and int16x8: batches rows of in_depth -> out_depth, filter
 * [out_depth][in_depth]. s16: acc = sum (w + filter_offset) * x + bias (64-bit), out = MBQM64(acc),
 * clamped; n_mult is 1 (per-tensor) or out_depth (per-channel). */
typedef struct {
    int32_t batches, in_depth, out_depth;
    float act_min, act_max;
    const float *filter;
    const float *bias;        /* [out_depth], may be NULL */
} mf_fully_connected_f32_params;
void mf_fully_connected_f32(const mf_fully_connected_f32_params *p, const float *input, float *output);

typedef struct {
    int32_t batches, in_depth, out_depth;
    int32_t filter_offset;
    int32_t act_min, act_max;
    int32_t n_mult;
    const int8_t *filter;
    const int64_t *bias;      /* [out_depth], may be NULL */
    const int32_t *out_mult;  /* [n_mult] */
    const int32_t *out_shift; /* [n_mult] */
} mf_fully_connected_s16_params;
void mf_fully_connected_s16(const mf_fully_connected_s16_params *p, const int16_t *input, int16_t *output);

/* AVERAGE_POOL_2D / MAX_POOL_2D. s8/s16 take mf_pool2d_params (input and output share scale and zero
 * point; the average rounds half away from zero over the cells inside the image). */
typedef struct {
    mf_conv_geometry geo;
    float act_min, act_max;
} mf_pool2d_f32_params;
void mf_avgpool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output);
void mf_avgpool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output);
void mf_avgpool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output);
void mf_maxpool2d_s16(const mf_pool2d_params *p, const int16_t *input, int16_t *output);
void mf_maxpool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output);

/* ==== elementwise, activations, softmax, quantize/dequantize ==== */

/* Broadcasting of the binary kernels (ADD, SUB, MUL, MAXIMUM, MINIMUM; numpy rules, up to 6-D).
 * The output is written in row-major order as rows x inner elements, rows = product of outer[].
 * Row r starts at input offsets (off1, off2): an odometer over outer[] (last index fastest) that
 * adds stride1[d] / stride2[d] elements per step of dimension d. Within a row, element k reads
 * input1[off1 + k * inner_stride1] and input2[off2 + k * inner_stride2]. Strides are 0 where an
 * input is broadcast; inner strides are 0 or 1. Same-shape operands give one row. */
#define MF_BROADCAST_OUTER 5
typedef struct {
    int32_t outer[MF_BROADCAST_OUTER];
    int32_t stride1[MF_BROADCAST_OUTER];
    int32_t stride2[MF_BROADCAST_OUTER];
    int32_t inner, inner_stride1, inner_stride2;
} mf_broadcast;

/* ADD and SUB, s8 and s16 (TFLM's general rescaling; int16 uses it too, zero points included):
 *   x_k = (in_k + input_k_offset) << left_shift        left_shift = 20 (s8) or 15 (s16)
 *   s_k = MBQM_smaller_than_one(x_k, input_k_multiplier, input_k_shift)
 *   out = clamp(MBQM_smaller_than_one(s_1 + s_2, output_multiplier, output_shift) + output_offset)
 * subtract = 1 computes s_1 - s_2 (SUB). All shifts <= 0; clamp to [act_min, act_max].
 * DSP variant, s8 only (the reference kernels ignore the dsp_* fields, NULL/0 unless generated for
 * a DSP target): dsp_table[x + 128] = 2 * s_1(x) and dsp_table[256 + x + 128] = 2 * s_2(x)
 * (-2 * s_2(x) for SUB), x in [-128, 127], so X = 2 * (s_1 +- s_2) is two loads and an add;
 * dsp_requant and dsp_rq are the MF_DSP_RQ_* mode and dsp_chan record (see CONV_2D) of the output
 * rescaling of X with bias 0. */
typedef struct {
    mf_broadcast bc;
    int32_t input1_offset, input2_offset, output_offset;
    int32_t left_shift;
    int32_t input1_multiplier, input1_shift;
    int32_t input2_multiplier, input2_shift;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
    int32_t subtract;
    const int32_t *dsp_table; /* [512] */
    int32_t dsp_requant;
    int32_t dsp_rq[4];
} mf_add_q_params;
void mf_add_s8(const mf_add_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void mf_add_s16(const mf_add_q_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);

/* MUL, s8 and s16: out = clamp(output_offset + MBQM((in1 + input1_offset) * (in2 + input2_offset),
 * output_multiplier, output_shift), act_min, act_max). s16 has all offsets 0 (TFLM requires it).
 * DSP variant, s8 only (0 for the reference kernels): dsp_requant and dsp_rq, the MF_DSP_RQ_* mode
 * and dsp_chan record (see CONV_2D) of the rescaling of X = 2 * product with bias 0. */
typedef struct {
    mf_broadcast bc;
    int32_t input1_offset, input2_offset, output_offset;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
    int32_t dsp_requant;
    int32_t dsp_rq[4];
} mf_mul_q_params;
void mf_mul_s8(const mf_mul_q_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void mf_mul_s16(const mf_mul_q_params *p, const int16_t *input1, const int16_t *input2, int16_t *output);

/* ADD, SUB (subtract = 1) and MUL on f32: out = min(max(a op b, act_min), act_max). TFLM's bounds
 * for no fused activation are +-FLT_MAX (not infinities). */
typedef struct {
    mf_broadcast bc;
    float act_min, act_max;
    int32_t subtract;
} mf_arith_f32_params;
void mf_add_f32(const mf_arith_f32_params *p, const float *input1, const float *input2, float *output);
void mf_mul_f32(const mf_arith_f32_params *p, const float *input1, const float *input2, float *output);

/* MAXIMUM, MINIMUM: compare raw values, as TFLM does (the converter gives inputs and output one
 * quantisation). Ties and NaNs follow TFLM: max = a > b ? a : b, min = a < b ? a : b. */
void mf_maximum_s8(const mf_broadcast *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void mf_maximum_s16(const mf_broadcast *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void mf_maximum_f32(const mf_broadcast *p, const float *input1, const float *input2, float *output);
void mf_minimum_s8(const mf_broadcast *p, const int8_t *input1, const int8_t *input2, int8_t *output);
void mf_minimum_s16(const mf_broadcast *p, const int16_t *input1, const int16_t *input2, int16_t *output);
void mf_minimum_f32(const mf_broadcast *p, const float *input1, const float *input2, float *output);

/* int8 unary element-wise ops by table: out[i] = table[(uint8_t)in[i]]. The generator evaluates
 * TFLM's integer arithmetic for all 256 inputs at build time: RELU, RELU6, LEAKY_RELU, HARD_SWISH,
 * LOGISTIC and TANH (gemmlowp fixed point), and int8 -> int8 QUANTIZE (requantisation). */
typedef struct {
    int32_t size;
    const int8_t *table; /* [256], indexed by the input's raw byte */
} mf_lut_s8_params;
void mf_lut_s8(const mf_lut_s8_params *p, const int8_t *input, int8_t *output);
/* The same between int8 and uint8: QUANTIZE uint8 -> int8 and int8 -> uint8 (TFLM's Requantize), as
 * a converter inserts them for uint8 model inputs and outputs. */
typedef struct {
    int32_t size;
    const uint8_t *table; /* [256], indexed by the input's raw byte */
} mf_lut_u8_params;
void mf_lut_u8_s8(const mf_lut_s8_params *p, const uint8_t *input, int8_t *output);
void mf_lut_s8_u8(const mf_lut_u8_params *p, const int8_t *input, uint8_t *output);

/* Requantisation (QUANTIZE between integer types; RELU on s16):
 * out = clamp(MBQM(in - input_zero_point, multiplier, shift) + output_zero_point, act_min, act_max). */
typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t multiplier, shift;
    int32_t act_min, act_max;
} mf_requantize_params;
void mf_requantize_s16(const mf_requantize_params *p, const int16_t *input, int16_t *output);
void mf_requantize_s16_s8(const mf_requantize_params *p, const int16_t *input, int8_t *output);
void mf_requantize_s8_s16(const mf_requantize_params *p, const int8_t *input, int16_t *output);
/* int32 <-> int8/int16 (TFLM's Requantize on int32 tensors): the centring and the output offset wrap
 * modulo 2^32 as TFLM's int32 arithmetic does; act_min/act_max are the output type's range. */
void mf_requantize_s8_s32(const mf_requantize_params *p, const int8_t *input, int32_t *output);
void mf_requantize_s16_s32(const mf_requantize_params *p, const int16_t *input, int32_t *output);
void mf_requantize_s32_s8(const mf_requantize_params *p, const int32_t *input, int8_t *output);
void mf_requantize_s32_s16(const mf_requantize_params *p, const int32_t *input, int16_t *output);

/* Clamp without rescaling: RELU6 on s16 (TFLM clamps raw values to [zero point, q(6)]), RELU and
 * RELU6 on f32 (hi = +inf for RELU). */
typedef struct {
    int32_t size;
    int32_t lo, hi;
} mf_clamp_s16_params;
void mf_clamp_s16(const mf_clamp_s16_params *p, const int16_t *input, int16_t *output);
typedef struct {
    int32_t size;
    float lo, hi;
} mf_clamp_f32_params;
void mf_clamp_f32(const mf_clamp_f32_params *p, const float *input, float *output);

/* LEAKY_RELU s16 (TFLM QuantizeLeakyRelu): x = in - input_zero_point; out = output_zero_point +
 * MBQM(x, mult_identity, shift_identity) for x >= 0, + MBQM(x, mult_alpha, shift_alpha) for x < 0,
 * saturated. mult_alpha is negative for a negative alpha (TFLM applies it as is). */
typedef struct {
    int32_t size;
    int32_t input_zero_point, output_zero_point;
    int32_t mult_identity, shift_identity;
    int32_t mult_alpha, shift_alpha;
} mf_leaky_relu_s16_params;
void mf_leaky_relu_s16(const mf_leaky_relu_s16_params *p, const int16_t *input, int16_t *output);
typedef struct {
    int32_t size;
    float alpha;
} mf_leaky_relu_f32_params;
void mf_leaky_relu_f32(const mf_leaky_relu_f32_params *p, const float *input, float *output);

/* Float unary ops with TFLM's formulas: LOGISTIC (1 / (1 + expf(-x)), expf(x) below -9, 1 above
 * 16.619...), TANH (tanhf), HARD_SWISH (x * min(6, max(0, x + 3)) / 6). */
typedef struct {
    int32_t size;
} mf_unary_params;
void mf_logistic_f32(const mf_unary_params *p, const float *input, float *output);
void mf_tanh_f32(const mf_unary_params *p, const float *input, float *output);
void mf_hard_swish_f32(const mf_unary_params *p, const float *input, float *output);

/* LOGISTIC and TANH on s16 (TFLM: zero points 0, output scale 2^-15): x = (in * input_multiplier
 * + round) >> input_left_shift, then interpolation in the 256-entry sigmoid table (unsigned Q0.16
 * sigmoid(i / 24)); LOGISTIC indexes |x| >> 9, TANH |x| >> 8. */
typedef struct {
    int32_t size;
    int32_t input_multiplier, input_left_shift;
    const uint16_t *table; /* [256] */
} mf_sigmoid_s16_params;
void mf_logistic_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output);
void mf_tanh_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output);

/* SOFTMAX s16 -> s16 (output scale 2^-15, zero point 0), TFLM's LUT algorithm: per row,
 * e_c = lut(exp_lut, clamp(MBQM(in_c - max, input_multiplier, input_shift) + 32767)), the sum of
 * e_c is inverted through one_over_one_plus_x_lut and each e_c rescaled. The LUTs have 513
 * entries (TFLM LUTPopulate<int16_t>). The output buffer holds the e_c between the passes, so
 * input and output must not overlap. */
typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_shift;
    const int16_t *exp_lut;
    const int16_t *one_over_one_plus_x_lut;
} mf_softmax_s16_params;
void mf_softmax_s16(const mf_softmax_s16_params *p, const int16_t *input, int16_t *output);

/* SOFTMAX f32: out_c = e_c / sum(e), e_c = expf((in_c - max) * beta), summed in order in float. */
typedef struct {
    int32_t outer, depth;
    float beta;
} mf_softmax_f32_params;
void mf_softmax_f32(const mf_softmax_f32_params *p, const float *input, float *output);

/* QUANTIZE f32 -> s8/s16: out = clamp(roundf(in / scale) + zero_point) (a float division, as TFLM;
 * the s8 DSP variant multiplies by 1 / scale and divides only the quotients near a rounding boundary,
 * with the same results: dsp/mf_quantize_s8.c);
 * quotients beyond the int32 range and infinities saturate, NaN gives zero_point (TFLM's conversion
 * is undefined there). DEQUANTIZE s8/u8/s16 -> f32: out = scale * (in - zero_point), exact as TFLM's
 * double product. */
typedef struct {
    int32_t size;
    float scale;
    int32_t zero_point;
} mf_affine_params;
void mf_quantize_s8(const mf_affine_params *p, const float *input, int8_t *output);
void mf_quantize_s16(const mf_affine_params *p, const float *input, int16_t *output);
void mf_dequantize_s8(const mf_affine_params *p, const int8_t *input, float *output);
void mf_dequantize_u8(const mf_affine_params *p, const uint8_t *input, float *output);
void mf_dequantize_s16(const mf_affine_params *p, const int16_t *input, float *output);

/* ==== recurrent (UNIDIRECTIONAL_SEQUENCE_LSTM, SVDF) ==== */

/* UNIDIRECTIONAL_SEQUENCE_LSTM, TFLM's lstm_eval (no peephole, no projection, no layer norm, no
 * CIFG: TFLM refuses those). Gates are indexed MF_LSTM_FORGET, _INPUT, _CELL, _OUTPUT. For every
 * time step (input [batches][time_steps][input_dim], or [time_steps][batches][input_dim] when
 * time_major, which steps all batches at once; `rows` = batches if time_major, else 1):
 *   gate g = act_g(FC(x_t, input_weights[g], bias[g]) + FC(h, recurrent_weights[g]))
 *   (act: sigmoid; the cell gate tanh), c = f * c + i * g_cell (clipped to +-cell_clip when
 *   cell_clip > 0), h = o * tanh(c), output row t = h.
 * hidden_state and cell_state are the model's variable tensors (kept across invokes, reset by
 * <prefix>_reset()); scratch holds 4 * rows * state_dim cells.
 * s8 (int8 activations, int8 weights, int32 bias, int16 cell state) and s16 (int16 activations,
 * int64 bias): each FC is TFLM's integer FullyConnected into int16 gate pre-activations of scale
 * 2^-12 (acc = sum w * (x + offset) [+ bias], out = clamp16(MBQM(acc, mult, shift)); s16 sums in
 * 64 bits with the 64-bit MBQM), the two FCs add with int16 saturation; sigmoid/tanh are
 * mf_logistic_s16/mf_tanh_s16 (the *_act params); the products are TFLM's MulElementwise
 * (clamp(MBQM(a * b, mult, shift) + zp)) into the cell (scale cell_scale, zp 0) or the hidden
 * state (hidden_zp; int8 or int16 range); the cell sums saturate to int16; cell_clip is the
 * quantised clip (the cell is clamped to [-cell_clip, cell_clip]).
 * f32: float sums in TFLM's order (FC: sum over d, + bias), mf_logistic_f32/mf_tanh_f32. */
#define MF_LSTM_FORGET 0
#define MF_LSTM_INPUT 1
#define MF_LSTM_CELL 2
#define MF_LSTM_OUTPUT 3
typedef struct {
    int32_t batches, time_steps, input_dim, state_dim, time_major;
    int32_t input_offset, hidden_offset;       /* -zero point of the input and of the hidden state */
    const int8_t *input_weights[4];             /* [state_dim][input_dim] */
    const int8_t *recurrent_weights[4];         /* [state_dim][state_dim] */
    const int32_t *bias[4];                     /* [state_dim] */
    int32_t input_mult[4], input_shift[4];      /* input FC -> 2^-12 */
    int32_t recurrent_mult[4], recurrent_shift[4];
    int32_t forget_mult, forget_shift;          /* sigmoid(f) * c -> c */
    int32_t update_mult, update_shift;          /* sigmoid(i) * tanh(g) -> c */
    int32_t hidden_mult, hidden_shift, hidden_zp;  /* sigmoid(o) * tanh(c) -> h */
    int32_t cell_clip;                          /* 0: no clipping */
    mf_sigmoid_s16_params gate_sigmoid, gate_tanh, cell_tanh;
    int16_t *scratch;
} mf_lstm_s8_params;
void mf_lstm_s8(const mf_lstm_s8_params *p, const int8_t *input, int8_t *hidden_state, int16_t *cell_state,
                int8_t *output);
typedef struct {
    int32_t batches, time_steps, input_dim, state_dim, time_major;
    int32_t input_offset, hidden_offset;
    const int8_t *input_weights[4];
    const int8_t *recurrent_weights[4];
    const int64_t *bias[4];
    int32_t input_mult[4], input_shift[4];
    int32_t recurrent_mult[4], recurrent_shift[4];
    int32_t forget_mult, forget_shift;
    int32_t update_mult, update_shift;
    int32_t hidden_mult, hidden_shift, hidden_zp;
    int32_t cell_clip;
    mf_sigmoid_s16_params gate_sigmoid, gate_tanh, cell_tanh;
    int16_t *scratch;
} mf_lstm_s16_params;
void mf_lstm_s16(const mf_lstm_s16_params *p, const int16_t *input, int16_t *hidden_state, int16_t *cell_state,
                 int16_t *output);
typedef struct {
    int32_t batches, time_steps, input_dim, state_dim, time_major;
    const float *input_weights[4];
    const float *recurrent_weights[4];
    const float *bias[4];
    float cell_clip;                            /* 0: no clipping */
    mf_unary_params act;                        /* size = rows * state_dim */
    float *scratch;
} mf_lstm_f32_params;
void mf_lstm_f32(const mf_lstm_f32_params *p, const float *input, float *hidden_state, float *cell_state,
                 float *output);

/* SVDF (TFLM svdf_common.cc). state is the variable tensor [batches][filters][memory]: each invoke
 * shifts the whole buffer left by one element, writes each filter's newest entry, state[b][f][memory
 * - 1] = the feature dot product, then output[b][u] = act(bias[u] + sum over the unit's `rank`
 * filters of sum_m weights_time[f][m] * state[b][f][m]).
 *  - s8_s16 / s8_s8: int8 input, weights_feature and output, int16 (or int8) weights_time and
 *    state, int32 bias. Newest entry = (state type)(state_zp + clamp_T(MBQM(sum w * (x - input_zp),
 *    feature_mult, feature_shift))); filter sums sum w_t * (state - state_zp) in int32; output =
 *    clamp8(MBQM(bias + sums, time_mult, time_shift) + output_zp). TFLM's integer SVDF applies no
 *    fused activation. scratch: batches * (filters + units) int32.
 *  - f32: float sums in TFLM's order, then the fused activation (MF_SVDF_ACT_*). scratch: batches *
 *    filters floats. */
#define MF_SVDF_ACT_NONE 0
#define MF_SVDF_ACT_RELU 1
#define MF_SVDF_ACT_RELU_N1_TO_1 2
#define MF_SVDF_ACT_RELU6 3
#define MF_SVDF_ACT_TANH 4
#define MF_SVDF_ACT_SIGN_BIT 5
typedef struct {
    int32_t batches, input_size, filters, units, rank, memory;
    int32_t input_zp, state_zp, output_zp;
    int32_t feature_mult, feature_shift;
    int32_t time_mult, time_shift;
    const int8_t *weights_feature;              /* [filters][input_size] */
    const void *weights_time;                   /* [filters][memory], the state's type */
    const int32_t *bias;                        /* [units] */
    int32_t *scratch;
} mf_svdf_s8_params;
void mf_svdf_s8_s16(const mf_svdf_s8_params *p, const int8_t *input, int16_t *state, int8_t *output);
void mf_svdf_s8_s8(const mf_svdf_s8_params *p, const int8_t *input, int8_t *state, int8_t *output);
typedef struct {
    int32_t batches, input_size, filters, units, rank, memory;
    int32_t activation;                         /* MF_SVDF_ACT_* */
    const float *weights_feature, *weights_time;
    const float *bias;                          /* [units] or NULL */
    float *scratch;
} mf_svdf_f32_params;
void mf_svdf_f32(const mf_svdf_f32_params *p, const float *input, float *state, float *output);

/* ==== custom operators TFLM ships (CIRCULAR_BUFFER, TFLite_Detection_PostProcess) ==== */

/* CIRCULAR_BUFFER (TFLM's streaming custom op), int8: `ring` holds the last num_slots input rows of
 * `depth` bytes across invokes (init: zeros; reset leaves it, as TFLM). Each call drops the oldest
 * row, appends the input and copies the ring to the output. It returns nonzero on all but every
 * cycles_max-th call (*count counts calls since the last that ran; reset zeroes it): the invoke stops
 * there (TFLM's kTfLiteAbort) and the rest of the graph runs only at that stride. */
typedef struct {
    int32_t num_slots, depth;
    uint32_t cycles_max;      /* >= 1 */
    uint8_t *ring;            /* [num_slots * depth] */
    uint8_t *count;           /* a uint32, native byte order */
} mf_circular_buffer_params;
int mf_circular_buffer(const mf_circular_buffer_params *p, const int8_t *input, int8_t *output);

/* TFLite_Detection_PostProcess (TFLM's detection_postprocess.cc), float32: SSD box decoding against
 * the anchors ([num_boxes][4] y, x, h, w; encodings [num_boxes][box_stride], the first 4 used) in
 * double precision as TFLM, then fast (one NMS over each box's best class, up to
 * max_classes_per_detection classes per box) or regular (NMS per class, detections_per_class each,
 * merged by score) non-max suppression. Orders are TFLM's: candidates by score (stable), top-k by
 * score then index. Outputs: boxes [max_out][4] (ymin, xmin, ymax, xmax), classes and scores
 * [max_out] (rows not written are zero; fast NMS writes its e-th detection (class c of its box) at
 * row per_box * e + c as TFLM does, within max_out), num_detections [1]. If a decoded box is empty
 * (ymin >= ymax or xmin >= xmax) TFLM fails the invoke; this kernel then reports 0 detections.
 * The scratch arrays are sized by the generator (codegen/ops/detection_postprocess.py). */
typedef struct {
    int32_t num_boxes, box_stride, num_classes, classes_with_background;
    int32_t max_detections, max_classes_per_detection, detections_per_class, regular_nms;
    int32_t max_out;                            /* rows of the detection outputs */
    float score_threshold, iou_threshold;
    float y_scale, x_scale, h_scale, w_scale;
    float *decoded;                             /* [num_boxes][4] */
    uint8_t *active;                            /* [num_boxes] */
    float *keep_scores, *class_scores;          /* [num_boxes] */
    int32_t *keep_indices;                      /* [num_boxes] */
    int32_t *sorted_indices;                    /* candidates of one sort */
    int32_t *box_indices;                       /* regular: merged candidates; fast: [num_boxes][num_classes] */
    float *merged_scores, *sorted_scores;       /* regular NMS */
    int32_t *selected;                          /* one NMS's picks */
} mf_detection_postprocess_params;
void mf_detection_postprocess_f32(const mf_detection_postprocess_params *p, const float *box_encodings,
                                  const float *class_predictions, const float *anchors, float *boxes,
                                  float *classes, float *scores, float *num_detections);

/* ==== unary math, comparisons and logic, element-wise arithmetic, casting and fills ==== */

/* Float32 unary math, one kernel for the builtins TFLM computes with one C library call each:
 * out[i] = f(in[i]) with f chosen by fn. ROUND is TFLM's RoundToNearest (halves to even); ELU is
 * x < 0 ? expm1f(x) : x. int8 ABS, RSQRT and ELU are 256-entry tables (mf_lut_s8). */
#define MF_MATH_ABS 0
#define MF_MATH_NEG 1
#define MF_MATH_CEIL 2
#define MF_MATH_FLOOR 3
#define MF_MATH_ROUND 4
#define MF_MATH_SQRT 5
#define MF_MATH_RSQRT 6   /* 1.0f / sqrtf(x) */
#define MF_MATH_SQUARE 7  /* x * x */
#define MF_MATH_EXP 8
#define MF_MATH_LOG 9
#define MF_MATH_SIN 10
#define MF_MATH_COS 11
#define MF_MATH_ELU 12
typedef struct {
    int32_t size;
    int32_t fn; /* MF_MATH_* */
} mf_math_f32_params;
void mf_math_f32(const mf_math_f32_params *p, const float *input, float *output);

/* ABS on s16. mode MF_ABS_RAW: an unquantised int16 tensor, out = (int16_t)abs(in) (TFLM's
 * std::abs, so -32768 stays -32768); MF_ABS_CLAMP: quantised with equal scales (zero points are
 * 0), out = min(abs(in), 32767); MF_ABS_RESCALE: out = clamp(MBQM(abs(in), multiplier, shift)). */
#define MF_ABS_RAW 0
#define MF_ABS_CLAMP 1
#define MF_ABS_RESCALE 2
typedef struct {
    int32_t size;
    int32_t mode;
    int32_t multiplier, shift;
} mf_abs_s16_params;
void mf_abs_s16(const mf_abs_s16_params *p, const int16_t *input, int16_t *output);

/* Comparisons (EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL) with broadcasting (see
 * mf_broadcast); bool outputs are bytes holding 0 or 1. f32, s32, s64 and b8 (bool, EQUAL and
 * NOT_EQUAL only) compare raw values. s8 compares TFLM's rescaled values: for each input
 * v = MBQM_smaller_than_one((in + input_offset) << left_shift, multiplier, shift), left_shift = 8,
 * so inputs with different scales and zero points compare by real value. */
#define MF_CMP_EQUAL 0
#define MF_CMP_NOT_EQUAL 1
#define MF_CMP_GREATER 2
#define MF_CMP_GREATER_EQUAL 3
#define MF_CMP_LESS 4
#define MF_CMP_LESS_EQUAL 5
typedef struct {
    mf_broadcast bc;
    int32_t cmp; /* MF_CMP_* */
} mf_compare_params;
void mf_compare_f32(const mf_compare_params *p, const float *input1, const float *input2, uint8_t *output);
void mf_compare_s32(const mf_compare_params *p, const int32_t *input1, const int32_t *input2, uint8_t *output);
void mf_compare_s64(const mf_compare_params *p, const int64_t *input1, const int64_t *input2, uint8_t *output);
void mf_compare_b8(const mf_compare_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output);
typedef struct {
    mf_broadcast bc;
    int32_t cmp;
    int32_t left_shift;
    int32_t input1_offset, input1_multiplier, input1_shift;
    int32_t input2_offset, input2_multiplier, input2_shift;
} mf_compare_s8_params;
void mf_compare_s8(const mf_compare_s8_params *p, const int8_t *input1, const int8_t *input2, uint8_t *output);

/* LOGICAL_AND (op 0) and LOGICAL_OR (op 1) on bools (bytes, 0 is false), with broadcasting;
 * LOGICAL_NOT. Outputs are 0 or 1. */
#define MF_LOGICAL_AND 0
#define MF_LOGICAL_OR 1
typedef struct {
    mf_broadcast bc;
    int32_t op;
} mf_logical_params;
void mf_logical_b8(const mf_logical_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output);
void mf_logical_not_b8(const mf_unary_params *p, const uint8_t *input, uint8_t *output);

/* SELECT_V2: out = condition ? x : y element by element, the three operands broadcast to the
 * output (numpy rules, up to 6-D) like mf_broadcast with a third stride set. Values are copied as
 * elem_size-byte elements (TFLM copies raw values: x and y are not requantised). */
typedef struct {
    int32_t elem_size;
    int32_t outer[MF_BROADCAST_OUTER];
    int32_t stride_c[MF_BROADCAST_OUTER];
    int32_t stride_x[MF_BROADCAST_OUTER];
    int32_t stride_y[MF_BROADCAST_OUTER];
    int32_t inner, inner_stride_c, inner_stride_x, inner_stride_y;
} mf_select_params;
void mf_select(const mf_select_params *p, const uint8_t *condition, const void *x, const void *y, void *output);

/* Binary float32 ops with broadcasting, fn = MF_BIN_*: DIV (a / b, then clamped to [act_min,
 * act_max], TFLM's fused activation range: +-FLT_MAX without one), FLOOR_DIV ((float)floor((double)a
 * / (double)b)), FLOOR_MOD (fmodf(a, b), plus b when the remainder's sign differs from b's),
 * SQUARED_DIFFERENCE ((a - b) * (a - b)). Only DIV clamps; the others pass act_min = -inf,
 * act_max = +inf. */
#define MF_BIN_DIV 0
#define MF_BIN_FLOOR_DIV 1
#define MF_BIN_FLOOR_MOD 2
#define MF_BIN_SQUARED_DIFFERENCE 3
#define MF_BIN_ADD 4
#define MF_BIN_SUB 5
#define MF_BIN_MUL 6
#define MF_BIN_MAXIMUM 7
#define MF_BIN_MINIMUM 8
typedef struct {
    mf_broadcast bc;
    int32_t fn;
    float act_min, act_max;
} mf_binary_f32_params;
void mf_binary_f32(const mf_binary_f32_params *p, const float *input1, const float *input2, float *output);

/* Binary int32 ops with broadcasting, fn = MF_BIN_*: ADD, SUB, MUL, DIV (truncating),
 * SQUARED_DIFFERENCE, MAXIMUM, MINIMUM, then clamped to [act_min, act_max] (TFLM: ADD never clamps;
 * SUB, MUL and DIV apply the fused activation). Sums, differences and products wrap modulo 2^32
 * (TFLM's int32 arithmetic overflows there). DIV by 0 gives 0 and INT32_MIN / -1 gives INT32_MIN
 * (what Cortex-M's SDIV returns; TFLM's kernel traps on a host). s64: MAXIMUM and MINIMUM only. */
typedef struct {
    mf_broadcast bc;
    int32_t fn;
    int32_t act_min, act_max;
} mf_binary_s32_params;
void mf_binary_s32(const mf_binary_s32_params *p, const int32_t *input1, const int32_t *input2, int32_t *output);
typedef struct {
    mf_broadcast bc;
    int32_t fn;
} mf_binary_s64_params;
void mf_binary_s64(const mf_binary_s64_params *p, const int64_t *input1, const int64_t *input2, int64_t *output);

/* DIV s8 (TFLM DivElementwise): a = in1 + input1_offset, b = in2 + input2_offset (negated together
 * when b < 0); 1/b from GetReciprocal (Q0.31 and an exponent), q = MBQM_greater_than_one(a, 1/b,
 * headroom(a)), out = clamp(output_offset + MBQM_smaller_than_one(q, output_multiplier,
 * output_shift - exponent - headroom)). A zero divisor (undefined in TFLM) gives act_max, act_min
 * or output_offset by the dividend's sign. */
typedef struct {
    mf_broadcast bc;
    int32_t input1_offset, input2_offset, output_offset;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
} mf_div_s8_params;
void mf_div_s8(const mf_div_s8_params *p, const int8_t *input1, const int8_t *input2, int8_t *output);

/* SQUARED_DIFFERENCE s8 and s16 (TFLM): s_k = MBQM_smaller_than_one((in_k + input_k_offset) <<
 * left_shift, input_k_multiplier, input_k_shift) (left_shift 7 for s8, 0 for s16 whose offsets
 * are 0), d = s_1 - s_2, out = clamp(MBQM(d * d, output_multiplier, output_shift) + output_offset);
 * d * d wraps modulo 2^32 as TFLM's int32 product does. */
typedef struct {
    mf_broadcast bc;
    int32_t left_shift;
    int32_t input1_offset, input1_multiplier, input1_shift;
    int32_t input2_offset, input2_multiplier, input2_shift;
    int32_t output_offset, output_multiplier, output_shift;
    int32_t act_min, act_max;
} mf_squared_difference_q_params;
void mf_squared_difference_s8(const mf_squared_difference_q_params *p, const int8_t *input1,
                              const int8_t *input2, int8_t *output);
void mf_squared_difference_s16(const mf_squared_difference_q_params *p, const int16_t *input1,
                               const int16_t *input2, int16_t *output);

/* ADD_N: out[i] = sum over the `count` same-shaped inputs. f32 adds in input order starting from
 * 0.0f. s8 (one quantisation for all inputs, TFLM): every term, and a zero term first, is
 * MBQM_smaller_than_one((in + input_offset) << left_shift, input_multiplier, input_shift); the sum
 * is rescaled by MBQM_smaller_than_one(sum, output_multiplier, output_shift) + output_offset and
 * clamped. left_shift = 20. */
typedef struct {
    int32_t size, count;
    const float *const *inputs; /* [count] */
} mf_add_n_f32_params;
void mf_add_n_f32(const mf_add_n_f32_params *p, float *output);
typedef struct {
    int32_t size, count;
    const int8_t *const *inputs; /* [count] */
    int32_t input_offset, left_shift;
    int32_t input_multiplier, input_shift;
    int32_t output_offset, output_multiplier, output_shift;
    int32_t act_min, act_max;
} mf_add_n_s8_params;
void mf_add_n_s8(const mf_add_n_s8_params *p, int8_t *output);

/* PRELU with the alpha tensor broadcast against the input (mf_broadcast, input1 = input, input2 =
 * alpha). f32: x >= 0 ? x : x * alpha. s8 (alpha s8) and s16 (alpha s8), TFLM: x = in +
 * input_offset; out = clamp(output_offset + (x >= 0 ? MBQM(x, output_multiplier_1, output_shift_1)
 * : MBQM(x * (alpha + alpha_offset), output_multiplier_2, output_shift_2))) to the output type. */
typedef struct {
    mf_broadcast bc;
} mf_prelu_f32_params;
void mf_prelu_f32(const mf_prelu_f32_params *p, const float *input, const float *alpha, float *output);
typedef struct {
    mf_broadcast bc;
    int32_t input_offset, alpha_offset, output_offset;
    int32_t output_multiplier_1, output_shift_1;
    int32_t output_multiplier_2, output_shift_2;
} mf_prelu_q_params;
void mf_prelu_s8(const mf_prelu_q_params *p, const int8_t *input, const int8_t *alpha, int8_t *output);
void mf_prelu_s16(const mf_prelu_q_params *p, const int16_t *input, const int8_t *alpha, int16_t *output);

/* LOG_SOFTMAX over the last dimension. f32 (TFLM): out = (x - max) - logf(sum of expf(x - max)),
 * summed in order. s8 (output scale 16/256, zero point 127, TFLM's gemmlowp algorithm): per row,
 * the exps of MBQM(x - max, input_multiplier, input_left_shift) (Q5.26) for differences >= diff_min
 * are summed in Q12.19, their log taken in Q5.26; an element whose difference exceeds
 * max(diff_min - 1, MBQM(log - 2^31, reverse_scaling_divisor, -reverse_scaling_right_shift)) gets
 * clamp(RDBPOT(MBQM(x - max, ...) - log, 22) + 127), any other -128. */
typedef struct {
    int32_t outer, depth;
} mf_log_softmax_f32_params;
void mf_log_softmax_f32(const mf_log_softmax_f32_params *p, const float *input, float *output);
typedef struct {
    int32_t outer, depth;
    int32_t input_multiplier, input_left_shift;
    int32_t reverse_scaling_divisor, reverse_scaling_right_shift;
    int32_t diff_min;
} mf_log_softmax_s8_params;
void mf_log_softmax_s8(const mf_log_softmax_s8_params *p, const int8_t *input, int8_t *output);

/* CAST: out[i] = (out type)in[i], the C conversion TFLM's static_cast makes. in_type and out_type
 * are TFLite TensorType numbers (mf_type: FLOAT32 0, INT32 2, INT16 7, INT8 9, BOOL 6 (input
 * only), UINT32 15). Integer narrowing wraps modulo 2^n; a float outside a signed target's range
 * is undefined in C and in TFLM alike; float -> uint32 saturates (negatives give 0, as Cortex-M's
 * VCVT and the TFLM reference build do). */
typedef struct {
    int32_t size;
    int32_t in_type, out_type;
} mf_cast_params;
void mf_cast(const mf_cast_params *p, const void *input, void *output);

/* FILL: the scalar `value` (elem_size bytes: 1, 2, 4 or 8) copied to every one of `size` output
 * elements. ZEROS_LIKE: mf_zeros writes `bytes` zero bytes (its input's values are never read). */
typedef struct {
    int32_t size, elem_size;
} mf_fill_params;
void mf_fill(const mf_fill_params *p, const void *value, void *output);
typedef struct {
    int32_t bytes;
} mf_zeros_params;
void mf_zeros(const mf_zeros_params *p, void *output);

/* BROADCAST_ARGS on int32 (elem_size 4) or int64 (elem_size 8) shape vectors of n1 and n2
 * elements: out (n_out elements) is their numpy broadcast shape, aligned at the end, missing
 * dimensions 1. Dimensions that differ with neither 1 (TFLM aborts) give shape1's value. */
typedef struct {
    int32_t elem_size;
    int32_t n1, n2, n_out;
} mf_broadcast_args_params;
void mf_broadcast_args(const mf_broadcast_args_params *p, const void *shape1, const void *shape2, void *output);

/* ==== data movement, reductions, variables ==== */

/* The data-movement kernels (mf_copy_rows, mf_strided_copy, mf_gather, mf_pad) never look at
 * values: they move elements of elem_size bytes (1, 2, 4 or 8; mf_pad 1, 2 or 4) or whole rows of
 * bytes, and so serve every element type (int8, int16, int32, float32, ...). Shapes have at most MF_MOVE_MAX_DIMS dimensions, outermost first; the
 * generator drops size-1 dimensions and merges contiguous ones, so the kernels see the smallest
 * rank that describes the move (>= 1). Counts are >= 1; offsets and strides fit in int32. */
#define MF_MOVE_MAX_DIMS 6

/* Copy `rows` rows of row_bytes bytes each: row r is read at input + in_offset + r * in_stride and
 * written at output + out_offset + r * out_stride (all in bytes). CONCATENATION and PACK issue one
 * call per input (out_offset selects its columns), SPLIT / SPLIT_V / UNPACK one call per output,
 * READ_VARIABLE / ASSIGN_VARIABLE one call with rows = 1. Input and output never overlap. */
typedef struct {
    int32_t rows, row_bytes;
    int32_t in_offset, in_stride;
    int32_t out_offset, out_stride;
} mf_copy_rows_params;
void mf_copy_rows(const mf_copy_rows_params *p, const void *input, void *output);

/* Strided gather: output (dense, shape count[0..rank-1]) element (i_0, ..., i_r-1) is input element
 * offset + sum_d i_d * stride[d]. Strides are in elements and may be negative or 0.
 * STRIDED_SLICE (begin/end/strides/masks resolved at build time), SLICE and TRANSPOSE (strides
 * permuted) use it. Runs along the last dimension with stride 1 are copied with memcpy. */
typedef struct {
    int32_t elem_size;                  /* 1, 2, 4 or 8 */
    int32_t rank;                       /* 1..MF_MOVE_MAX_DIMS */
    int32_t offset;                     /* input element index of output element 0 */
    int32_t count[MF_MOVE_MAX_DIMS];    /* output shape */
    int32_t stride[MF_MOVE_MAX_DIMS];   /* input elements per step of each output index */
} mf_strided_copy_params;
void mf_strided_copy(const mf_strided_copy_params *p, const void *input, void *output);

/* GATHER: for each batch b, outer index o and coordinate c, copy the row of row_bytes bytes at
 * input[((b * outer + o) * axis_size + indices[b * coords + c])] to output[(b * outer + o) * coords
 * + c] (rows numbered in units of row_bytes). Indices are int32; an index outside [0, axis_size)
 * (TFLM fails the invoke) yields a zero row. */
typedef struct {
    int32_t batches, outer, coords, axis_size, row_bytes;
} mf_gather_params;
void mf_gather(const mf_gather_params *p, const void *input, const int32_t *indices, void *output);

/* PAD / PADV2 (constant mode): output[o] = input[o - pad_before] inside the input, else the pad
 * value. out_dims[d] = in_dims[d] + pad_before[d] + pad_after[d], paddings >= 0. pad_bits is the
 * pad element's bit pattern: the int8/int16/int32 value (sign-extended), or the float32's IEEE
 * bits; for int8 PAD it is the output zero point, for PADV2 the constant's stored value. */
typedef struct {
    int32_t elem_size;                  /* 1, 2 or 4 */
    int32_t rank;                       /* 1..MF_MOVE_MAX_DIMS */
    int32_t in_dims[MF_MOVE_MAX_DIMS];
    int32_t out_dims[MF_MOVE_MAX_DIMS];
    int32_t pad_before[MF_MOVE_MAX_DIMS];
    uint32_t pad_bits;
} mf_pad_params;
void mf_pad(const mf_pad_params *p, const void *input, void *output);

/* The walk of a reduction (MEAN, SUM, REDUCE_MAX, REDUCE_MIN, REDUCE_ALL). The kept dimensions (in
 * order) form the output walk: output element k, with multi-index (i_0, ...) over out_count, starts
 * at input element sum_d i_d * out_stride[d]; the reduced dimensions form the inner walk over
 * red_count / red_stride (red_rank may be 0: nothing reduced, one element per output). Elements are
 * visited in row-major order of the reduced dimensions, as TFLM does. */
typedef struct {
    int32_t out_rank;                   /* 1..MF_MOVE_MAX_DIMS */
    int32_t out_count[MF_MOVE_MAX_DIMS];
    int32_t out_stride[MF_MOVE_MAX_DIMS];
    int32_t red_rank;                   /* 0..MF_MOVE_MAX_DIMS */
    int32_t red_count[MF_MOVE_MAX_DIMS];
    int32_t red_stride[MF_MOVE_MAX_DIMS];
} mf_reduce_walk;

/* MEAN over any subset of axes; n = product of walk.red_count.
 *  - f32: out = sum / (float)n (quantisation fields unused).
 *  - s8 / s16: out = clamp(MBQM(sum - zp_times_n, mult, shift) + output_offset), with mult/shift =
 *    TFLM's QuantizeMultiplier(in_scale / out_scale) already divided by n (QuantizedMeanOrSum; TFLM
 *    takes this path even when input and output quantisation are equal); shift in [-31, 30]. The
 *    sum and the subtraction wrap in 32 bits.
 * SUM on s8 / s16 is the same arithmetic without the division: the generator calls mf_mean_s8 /
 * mf_mean_s16 with TFLM's undivided QuantizeMultiplier(in_scale / out_scale). */
typedef struct {
    mf_reduce_walk walk;
    int32_t n;
    int32_t mult, shift;
    int32_t zp_times_n;                 /* input zero point * n */
    int32_t output_offset;              /* output zero point */
} mf_mean_params;
void mf_mean_s8(const mf_mean_params *p, const int8_t *input, int8_t *output);
void mf_mean_s16(const mf_mean_params *p, const int16_t *input, int16_t *output);
void mf_mean_f32(const mf_mean_params *p, const float *input, float *output);

/* ==== reductions, index ops, spatial re-layout, gathers, matmul, transposed convolution ==== */

/* REDUCE_MAX / REDUCE_MIN over the walk (TFLM's ReduceGeneric): s8 compares raw values (input and
 * output share scale and zero point); f32 starts from -FLT_MAX (max) / FLT_MAX (min) and replaces
 * the running value only by a strictly greater (smaller) element, so NaNs are skipped.
 * SUM f32: 0.0f plus the reduced elements in walk order. REDUCE_ALL: bool bytes (0/1), 1 when every
 * reduced element is non-zero. SUM s8/s16 use mf_mean_s8/s16 (see MEAN). */
void mf_reduce_max_s8(const mf_reduce_walk *p, const int8_t *input, int8_t *output);
void mf_reduce_max_f32(const mf_reduce_walk *p, const float *input, float *output);
void mf_reduce_min_s8(const mf_reduce_walk *p, const int8_t *input, int8_t *output);
void mf_reduce_min_f32(const mf_reduce_walk *p, const float *input, float *output);
void mf_sum_f32(const mf_reduce_walk *p, const float *input, float *output);
void mf_reduce_all(const mf_reduce_walk *p, const uint8_t *input, uint8_t *output);

/* ARG_MAX (is_max = 1) / ARG_MIN over the middle axis of [outer][axis_size][inner]: int32 position
 * of the first largest (smallest) element; a NaN never replaces the candidate (TFLM's comparison). */
typedef struct {
    int32_t outer, axis_size, inner;
    int32_t is_max;
} mf_arg_min_max_params;
void mf_arg_min_max_s8(const mf_arg_min_max_params *p, const int8_t *input, int32_t *output);
void mf_arg_min_max_f32(const mf_arg_min_max_params *p, const float *input, int32_t *output);

/* CUMSUM along the middle axis of [outer][depth][inner]: running sums (exclusive = 1: each output
 * is the sum before its own element; reverse = 1: summed from the end of the axis).
 *  - f32: from 0.0f, in axis order.
 *  - s8 (TFLM's rescaling): s(x) = MBQM_smaller_than_one((x + input_offset) << left_shift,
 *    input_multiplier, input_shift); the running sum starts at s(0) (TFLM's initial value) and adds
 *    s(in) per element, wrapping in 32 bits; out = clamp(MBQM_smaller_than_one(sum, output_multiplier,
 *    output_shift) + output_offset). left_shift = 20, both shifts <= 0. */
typedef struct {
    int32_t outer, depth, inner;
    int32_t exclusive, reverse;
} mf_cumsum_f32_params;
typedef struct {
    int32_t outer, depth, inner;
    int32_t exclusive, reverse;
    int32_t input_offset, output_offset, left_shift;
    int32_t input_multiplier, input_shift;
    int32_t output_multiplier, output_shift;
} mf_cumsum_s8_params;
void mf_cumsum_f32(const mf_cumsum_f32_params *p, const float *input, float *output);
void mf_cumsum_s8(const mf_cumsum_s8_params *p, const int8_t *input, int8_t *output);

/* SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND on [batch][h][w] pixels of row_bytes bytes (a rank-3
 * tensor has w = 1), TFLM's loops: output batch ob of SPACE_TO_BATCH_ND takes input batch
 * ob % in_batch at block offset (s / block_w, s % block_w), s = ob / in_batch, shifted by the top/left
 * padding before_h/before_w; pixels outside the input are zero bytes (TFLM's padding). BATCH_TO_SPACE_ND
 * is the inverse with before_h/before_w the top/left crops; pixels cropped away are dropped. */
typedef struct {
    int32_t in_batch, in_h, in_w;
    int32_t out_batch, out_h, out_w;
    int32_t block_h, block_w;
    int32_t before_h, before_w;
    int32_t row_bytes;
} mf_space_batch_params;
void mf_space_to_batch_nd(const mf_space_batch_params *p, const void *input, void *output);
void mf_batch_to_space_nd(const mf_space_batch_params *p, const void *input, void *output);

/* Index-map gather (MIRROR_PAD, RESIZE_NEAREST_NEIGHBOR): the output is rank dimensions of count[d]
 * blocks of block_bytes bytes; block (i_0, ..., i_rank-1) is copied from input + sum_d map_d[i_d]
 * bytes, where offsets holds the maps one after another (map_0: count[0] entries, then map_1, ...).
 * Type-agnostic; the generator folds trailing one-to-one dimensions into the block. */
typedef struct {
    int32_t rank;                       /* 1..MF_MOVE_MAX_DIMS */
    int32_t count[MF_MOVE_MAX_DIMS];
    const int32_t *offsets;             /* sum(count) input byte offsets */
    int32_t block_bytes;
} mf_index_gather_params;
void mf_index_gather(const mf_index_gather_params *p, const void *input, void *output);

/* RESIZE_BILINEAR on [batches][in_h][in_w][depth] -> [batches][out_h][out_w][depth]. For output row y,
 * y_index[2y], y_index[2y + 1] are the input rows (lo, hi) and y_weight[2y], y_weight[2y + 1] their
 * weights; x likewise. out = in[lo_y][lo_x] * wy_lo * wx_lo + in[hi_y][lo_x] * wy_hi * wx_lo
 *                          + in[lo_y][hi_x] * wy_lo * wx_hi + in[hi_y][hi_x] * wy_hi * wx_hi.
 *  - f32: float weights (TFLM's 1 - (y - y0) and y - y0), products and sums in that order, + 0.0f.
 *  - s8: TFLM's 10-bit integer weights, the sum in 64 bits, out = (sum +- 2^19) / 2^20 (truncating,
 *    the sign of the rounding term follows the sum's), as int8. */
typedef struct {
    int32_t batches, in_h, in_w, depth;
    int32_t out_h, out_w;
    const int32_t *y_index;             /* [out_h][2] */
    const int32_t *x_index;             /* [out_w][2] */
    const float *y_weight;              /* [out_h][2] */
    const float *x_weight;              /* [out_w][2] */
} mf_resize_bilinear_f32_params;
typedef struct {
    int32_t batches, in_h, in_w, depth;
    int32_t out_h, out_w;
    const int32_t *y_index;             /* [out_h][2] */
    const int32_t *x_index;             /* [out_w][2] */
    const int32_t *y_weight;            /* [out_h][2] */
    const int32_t *x_weight;            /* [out_w][2] */
} mf_resize_bilinear_s8_params;
void mf_resize_bilinear_f32(const mf_resize_bilinear_f32_params *p, const float *input, float *output);
void mf_resize_bilinear_s8(const mf_resize_bilinear_s8_params *p, const int8_t *input, int8_t *output);

/* L2_NORMALIZATION over the last dimension: outer rows of depth elements.
 *  - f32: out = x / max(sqrtf(sum x^2), 1e-6f), the squares summed in order.
 *  - s8 (TFLM's integer path; the output is in units of 1/128 around 0 whatever its quantisation):
 *    d = x - input_zero_point, acc = sum d^2 (32 bits), (mult, shift) = TFLM's
 *    GetInvSqrtQuantizedMultiplierExp(acc) computed by the kernel, out = clamp(MBQM(d, mult, shift + 7)). */
typedef struct {
    int32_t outer, depth;
    int32_t input_zero_point;           /* s8; 0 for f32 */
} mf_l2_normalization_params;
void mf_l2_normalization_f32(const mf_l2_normalization_params *p, const float *input, float *output);
void mf_l2_normalization_s8(const mf_l2_normalization_params *p, const int8_t *input, int8_t *output);

/* L2_POOL_2D, float32 (mf_pool2d_f32_params as AVERAGE_POOL_2D): sqrtf(sum of squares over the cells
 * inside the image / their float count), clamped to [act_min, act_max]. */
void mf_l2pool2d_f32(const mf_pool2d_f32_params *p, const float *input, float *output);

/* GATHER_ND: slice i (slice_size elements of elem_size bytes) starts at params element
 * from = sum_j indices[i * depth + j] * stride[j]; as TFLM only 0 <= from and from + slice_size <=
 * flat_size are checked (TFLM fails the invoke otherwise; the kernel writes a zero slice). */
#define MF_GATHER_ND_MAX 5
typedef struct {
    int32_t slices, depth;              /* depth: 1..MF_GATHER_ND_MAX */
    int32_t stride[MF_GATHER_ND_MAX];   /* elements per step of each indexed axis */
    int32_t slice_size, flat_size;      /* elements */
    int32_t elem_size;
} mf_gather_nd_params;
void mf_gather_nd(const mf_gather_nd_params *p, const void *params, const int32_t *indices, void *output);

/* EMBEDDING_LOOKUP with an int8 table and float32 output (TFLM's hybrid path): row lookups[i] of the
 * [rows][columns] table dequantised as (float)q * scale (zero point 0); a lookup outside [0, rows)
 * (TFLM fails the invoke) gives a zero row. The copying cases (same type in and out) use mf_gather. */
typedef struct {
    int32_t lookups, rows, columns;
    float scale;
} mf_embedding_lookup_params;
void mf_embedding_lookup_s8_f32(const mf_embedding_lookup_params *p, const int8_t *table, const int32_t *lookups,
                                float *output);

/* DYNAMIC_UPDATE_SLICE (TFLM): when the update has as many elements as the operand it becomes the
 * output whole; otherwise the operand is copied to the output (skipped when they are the same
 * buffer) and the update (update_dims) written at start_indices (rank values of index_bytes = 4 or 8
 * bytes, read at run time) clamped per axis to [0, dims - update_dims]. Type-agnostic. */
typedef struct {
    int32_t elem_size;
    int32_t rank;                       /* 1..MF_MOVE_MAX_DIMS */
    int32_t dims[MF_MOVE_MAX_DIMS];
    int32_t update_dims[MF_MOVE_MAX_DIMS];
    int32_t index_bytes;
} mf_dynamic_update_slice_params;
void mf_dynamic_update_slice(const mf_dynamic_update_slice_params *p, const void *operand, const void *update,
                             const void *start_indices, void *output);

/* BATCH_MATMUL: out[b0][b1][b2][m][n] = sum_k lhs(b, m, k) * rhs(b, k, n), k in order. Operands are
 * read through strides (elements): lhs(b, m, k) = lhs[sum_d b_d * lhs_batch_stride[d] + m *
 * lhs_row_stride + k * lhs_depth_stride], rhs(b, k, n) likewise with rhs_col_stride for n (adjoint
 * operands are only other strides; a broadcast batch dimension has stride 0). The output is dense.
 *  - f32: float sum from 0.0f.
 *  - s8: sum of (rhs + rhs_offset) * (lhs + lhs_offset) in 32 bits, s16: in 64 bits (offsets 0),
 *    out = clamp(MBQM(sum, output_multiplier, output_shift) + output_offset, act_min, act_max) with
 *    mf_mbqm (s8) or mf_mbqm64 (s16, output_shift <= 7). */
#define MF_MATMUL_BATCH_DIMS 3
typedef struct {
    int32_t batch[MF_MATMUL_BATCH_DIMS];
    int32_t lhs_batch_stride[MF_MATMUL_BATCH_DIMS];
    int32_t rhs_batch_stride[MF_MATMUL_BATCH_DIMS];
    int32_t rows, cols, depth;
    int32_t lhs_row_stride, lhs_depth_stride;
    int32_t rhs_col_stride, rhs_depth_stride;
} mf_batch_matmul_geometry;
typedef struct {
    mf_batch_matmul_geometry g;
    int32_t lhs_offset, rhs_offset, output_offset;
    int32_t output_multiplier, output_shift;
    int32_t act_min, act_max;
} mf_batch_matmul_q_params;
void mf_batch_matmul_f32(const mf_batch_matmul_geometry *g, const float *lhs, const float *rhs, float *output);
void mf_batch_matmul_s8(const mf_batch_matmul_q_params *p, const int8_t *lhs, const int8_t *rhs, int8_t *output);
void mf_batch_matmul_s16(const mf_batch_matmul_q_params *p, const int16_t *lhs, const int16_t *rhs, int16_t *output);

/* TRANSPOSE_CONV: [batches][in_h][in_w][in_c] -> [batches][out_h][out_w][out_c], filter
 * [out_c][k_h][k_w][in_c], each batch on its own. Input
 * pixel (iy, ix) reaches output (iy * stride_h - pad_top + ky, ix * stride_w - pad_left + kx) through
 * tap (ky, kx); each output element sums its contributions in TFLM's order (input row, column,
 * channel), adds the optional bias, then
 *  - s8: acc = sum (in + input_offset) * w (32 bits), out = clamp(MBQM(acc + bias, out_mult[oc],
 *    out_shift[oc]) + output_offset, act_min, act_max);
 *  - s16: acc = sum in * w + bias (64 bits; an int16 bias is widened by the generator), out =
 *    clamp(mf_mbqm64(acc, out_mult[oc], out_shift[oc])), out_shift <= 7;
 *  - f32: float sum from 0.0f, + bias, clamped to [act_min, act_max].
 * pad_top/pad_left: TFLM's SAME/VALID padding of a convolution from the output size to the input.
 * The geometry fields (batches .. pad_left) are what a shared convolution geometry struct would hold. */
typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter;
    const int32_t *bias;                /* [out_c], may be NULL */
    const int32_t *out_mult;            /* [out_c] */
    const int32_t *out_shift;           /* [out_c] */
} mf_transpose_conv_s8_params;
typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    int32_t act_min, act_max;
    const int8_t *filter;
    const int64_t *bias;                /* [out_c], may be NULL */
    const int32_t *out_mult;            /* [out_c] */
    const int32_t *out_shift;           /* [out_c] */
} mf_transpose_conv_s16_params;
typedef struct {
    int32_t batches;
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w;
    int32_t stride_h, stride_w;
    int32_t pad_top, pad_left;
    float act_min, act_max;
    const float *filter;
    const float *bias;                  /* [out_c], may be NULL */
} mf_transpose_conv_f32_params;
void mf_transpose_conv_s8(const mf_transpose_conv_s8_params *p, const int8_t *input, int8_t *output);
void mf_transpose_conv_s16(const mf_transpose_conv_s16_params *p, const int16_t *input, int16_t *output);
void mf_transpose_conv_f32(const mf_transpose_conv_f32_params *p, const float *input, float *output);

/* ==== end of reductions ... transposed convolution ==== */

/* CALL_ONCE: run the generated subgraph function `run` on the first call after <prefix>_init()
 * (*done is then set). Like TFLM, <prefix>_reset() does not re-arm it. */
typedef struct {
    void (*run)(void);
    uint8_t *done;
} mf_call_once_params;
void mf_call_once(const mf_call_once_params *p);

#ifdef __cplusplus
}
#endif

#endif /* MCUFORGE_NN_H */
