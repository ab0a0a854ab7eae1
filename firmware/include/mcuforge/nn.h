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

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- CONV_2D ---------------------- */

/* 2-D convolution. filter: [out_c][k_h][k_w][filter_c] (OHWI), filter_c = in_c / groups.
 * pad_top/pad_left: TFLM's SAME/VALID padding (the smaller half). Value ranges: strides,
 * dilations >= 1; out_mult in [2^30, 2^31) or 0; out_shift in [-31, 30]. */
typedef struct {
    int32_t in_h, in_w, in_c;
    int32_t out_h, out_w, out_c;
    int32_t k_h, k_w, filter_c;
    int32_t stride_h, stride_w, dil_h, dil_w;
    int32_t pad_top, pad_left;
    int32_t input_offset, output_offset;
    int32_t act_min, act_max;
    const int8_t *filter;
    const int32_t *bias;      /* [out_c], may be NULL */
    const int32_t *out_mult;  /* [out_c] */
    const int32_t *out_shift; /* [out_c] */
} mf_conv2d_s8_params;
void mf_conv2d_s8(const mf_conv2d_s8_params *p, const int8_t *input, int8_t *output);

/* ---------------------------------------------------------------- FULLY_CONNECTED -------------- */

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
} mf_fully_connected_s8_params;
void mf_fully_connected_s8(const mf_fully_connected_s8_params *p, const int8_t *input, int8_t *output);

/* ---------------------------------------------------------------- pooling ---------------------- */

/* Shared by MAX_POOL_2D and AVERAGE_POOL_2D on s8/s16: [in_h][in_w][c] -> [out_h][out_w][c]. */
typedef struct {
    int32_t in_h, in_w, c;
    int32_t out_h, out_w;
    int32_t k_h, k_w, stride_h, stride_w;
    int32_t pad_top, pad_left;
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

/* ==== convolution, fully connected and pooling variants (f32, s16) ==== */

/* ==== elementwise, activations, softmax, quantize/dequantize ==== */

/* ==== data movement, reductions, variables ==== */

#ifdef __cplusplus
}
#endif

#endif /* MCUFORGE_NN_H */
