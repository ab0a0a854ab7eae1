/* LOGISTIC, int16: reference kernel (TFLM's sigmoid-table interpolation, input index |x| >> 9). */
#include "mcuforge/nn.h"

/* Its table interpolation resembles mf_tanh_s16.c's on purpose (TFLM's two functions): the index
 * shift, the rounding and the output formula differ, so the two are kept apart. */
void mf_logistic_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output)
{
    const int32_t shift = p->input_left_shift;
    const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = (input[i] * p->input_multiplier + round) >> shift;
        const uint32_t ax = (uint32_t)(x < 0 ? -x : x);
        const uint32_t uh = ax >> 9;
        uint32_t result;
        if (uh >= 255u) {
            result = 0x7FFFu << 10;
        } else {
            const uint32_t ua = p->table[uh];
            const uint32_t ub = p->table[uh + 1u];
            result = (ua << 9) + (ax & 0x1FFu) * (ub - ua);
        }
        result = x >= 0 ? result + (1u << 9) : (1u << 25) - result + (1u << 9) - 1u;
        output[i] = (int16_t)(result >> 10);
    }
}
