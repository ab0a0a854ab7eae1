/* ARG_MAX / ARG_MIN, int8_t input, int32 positions (TFLM: a later element wins only when strictly
 * greater / smaller than the current candidate, so ties keep the first position). */
#include "mcuforge/nn.h"

void mf_arg_min_max_s8(const mf_arg_min_max_params *p, const int8_t *input, int32_t *output)
{
    const int32_t inner = p->inner;
    for (int32_t o = 0; o < p->outer; ++o) {
        const int8_t *row = input + (size_t)o * (size_t)p->axis_size * (size_t)inner;
        for (int32_t k = 0; k < inner; ++k) {
            int8_t best = row[k];
            int32_t index = 0;
            for (int32_t i = 1; i < p->axis_size; ++i) {
                const int8_t v = row[(size_t)i * (size_t)inner + (size_t)k];
                if (p->is_max ? v > best : v < best) {
                    best = v;
                    index = i;
                }
            }
            *output++ = index;
        }
    }
}
