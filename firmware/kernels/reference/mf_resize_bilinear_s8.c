/* RESIZE_BILINEAR, int8: TFLM's 10-bit fixed-point interpolation (64-bit sums of value x weight_y x
 * weight_x, divided by 2^20 rounding half away from zero). */
#include "mcuforge/nn.h"

void mf_resize_bilinear_s8(const mf_resize_bilinear_s8_params *p, const int8_t *input, int8_t *output)
{
    const size_t depth = (size_t)p->depth;
    const size_t row = (size_t)p->in_w * depth;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *image = input + (size_t)b * (size_t)p->in_h * row;
        for (int32_t y = 0; y < p->out_h; ++y) {
            const int8_t *r0 = image + (size_t)p->y_index[2 * y] * row;
            const int8_t *r1 = image + (size_t)p->y_index[2 * y + 1] * row;
            const int64_t wy0 = p->y_weight[2 * y], wy1 = p->y_weight[2 * y + 1];
            for (int32_t x = 0; x < p->out_w; ++x) {
                const size_t c0 = (size_t)p->x_index[2 * x] * depth, c1 = (size_t)p->x_index[2 * x + 1] * depth;
                const int64_t wx0 = p->x_weight[2 * x], wx1 = p->x_weight[2 * x + 1];
                for (size_t c = 0; c < depth; ++c) {
                    const int64_t v = r0[c0 + c] * wy0 * wx0 + r1[c0 + c] * wy1 * wx0 + r0[c1 + c] * wy0 * wx1 +
                                      r1[c1 + c] * wy1 * wx1;
                    const int64_t round = v > 0 ? (1 << 19) : -(1 << 19);
                    *output++ = (int8_t)((v + round) / (1 << 20));
                }
            }
        }
    }
}
