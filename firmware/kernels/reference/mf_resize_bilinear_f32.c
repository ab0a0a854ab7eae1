/* RESIZE_BILINEAR, float32: TFLM's weighted sum of the four neighbours, weights and product order as
 * TFLM computes them (the weights per output row and column come from the generator). */
#include "mcuforge/nn.h"

void mf_resize_bilinear_f32(const mf_resize_bilinear_f32_params *p, const float *input, float *output)
{
    const size_t depth = (size_t)p->depth;
    const size_t row = (size_t)p->in_w * depth;
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *image = input + (size_t)b * (size_t)p->in_h * row;
        for (int32_t y = 0; y < p->out_h; ++y) {
            const float *r0 = image + (size_t)p->y_index[2 * y] * row;
            const float *r1 = image + (size_t)p->y_index[2 * y + 1] * row;
            const float wy0 = p->y_weight[2 * y], wy1 = p->y_weight[2 * y + 1];
            for (int32_t x = 0; x < p->out_w; ++x) {
                const size_t c0 = (size_t)p->x_index[2 * x] * depth, c1 = (size_t)p->x_index[2 * x + 1] * depth;
                const float wx0 = p->x_weight[2 * x], wx1 = p->x_weight[2 * x + 1];
                for (size_t c = 0; c < depth; ++c) {
                    const float v = r0[c0 + c] * wy0 * wx0 + r1[c0 + c] * wy1 * wx0 + r0[c1 + c] * wy0 * wx1 +
                                    r1[c1 + c] * wy1 * wx1;
                    *output++ = v + 0.0f;
                }
            }
        }
    }
}
