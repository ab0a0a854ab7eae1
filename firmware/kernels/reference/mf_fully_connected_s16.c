/* FULLY_CONNECTED, int16 activations, int8 weights ("int16x8"): reference kernel.
 * TFLM semantics: zero points of input and output are 0; the sum and the optional int64 bias are
 * taken in 64 bits and requantised by the 64-bit MBQM. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_fully_connected_s16(const mf_fully_connected_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t b = 0; b < p->batches; ++b) {
        const int16_t *in = input + (size_t)b * p->in_depth;
        for (int32_t o = 0; o < p->out_depth; ++o) {
            const int8_t *w = p->filter + (size_t)o * p->in_depth;
            int64_t acc = 0;
            for (int32_t i = 0; i < p->in_depth; ++i) {
                acc += (w[i] + p->filter_offset) * in[i];
            }
            if (p->bias) {
                acc += p->bias[o];
            }
            const int32_t k = p->n_mult > 1 ? o : 0;
            const int32_t scaled = mf_mbqm64(acc, p->out_mult[k], p->out_shift[k]);
            output[(size_t)b * p->out_depth + o] = (int16_t)mf_clamp_i32(scaled, p->act_min, p->act_max);
        }
    }
}
