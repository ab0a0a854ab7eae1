/* TANH, int16: reference kernel (TFLM's sigmoid-table interpolation, tanh(x) = 2 sigmoid(2x) - 1). */
#include "mcuforge/nn.h"

/* Resembles mf_logistic_s16.c on purpose (TFLM's two functions): index shift 8, not 9, a signed
 * result and tanh's output formula; kept apart. */
void mf_tanh_s16(const mf_sigmoid_s16_params *p, const int16_t *input, int16_t *output)
{
    const int32_t shift = p->input_left_shift;
    const int32_t round = shift > 0 ? (int32_t)1 << (shift - 1) : 0;
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = (input[i] * p->input_multiplier + round) >> shift;
        const uint32_t ax = (uint32_t)(x < 0 ? -x : x);
        const uint32_t uh = ax >> 8;
        int32_t result;
        if (uh >= 255u) {
            result = 0xFFFF << 8;
        } else {
            const uint32_t ua = p->table[uh];
            const uint32_t ub = p->table[uh + 1u];
            result = (int32_t)((ua << 8) + (ax & 0xFFu) * (ub - ua));
        }
        result = x >= 0 ? result - (1 << 23) + (1 << 7) : -result + (1 << 23) + (1 << 7) - 1;
        output[i] = (int16_t)(result >> 8);
    }
}
