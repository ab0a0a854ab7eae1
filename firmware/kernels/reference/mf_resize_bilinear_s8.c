/* RESIZE_BILINEAR, int8: TFLM's 10-bit fixed-point interpolation (64-bit sums of value x weight_y x
 * weight_x, divided by 2^20 rounding half away from zero). */
#include "../common/mf_resize_bilinear.h"
#include "mcuforge/nn.h"

#define MF_RESIZE_BILINEAR_S8_STORE(out, v)                     \
    do {                                                        \
        const int64_t round = (v) > 0 ? (1 << 19) : -(1 << 19); \
        *(out)++ = (int8_t)(((v) + round) / (1 << 20));         \
    } while (0)

void mf_resize_bilinear_s8(const mf_resize_bilinear_s8_params *p, const int8_t *input, int8_t *output)
{
    MF_RESIZE_BILINEAR_BODY(int8_t, int64_t, MF_RESIZE_BILINEAR_S8_STORE);
}
