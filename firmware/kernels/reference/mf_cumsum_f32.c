/* CUMSUM, float32: running sums along the axis from 0.0f (exclusive: before adding; reverse: from
 * the end). */
#include "mcuforge/nn.h"

void mf_cumsum_f32(const mf_cumsum_f32_params *p, const float *input, float *output)
{
    const ptrdiff_t inner = p->inner;
    const ptrdiff_t step = p->reverse ? -inner : inner;
    for (int32_t o = 0; o < p->outer; ++o) {
        for (ptrdiff_t k = 0; k < inner; ++k) {
            ptrdiff_t i = ((ptrdiff_t)o * p->depth + (p->reverse ? p->depth - 1 : 0)) * inner + k;
            float acc = 0.0f;
            for (int32_t d = 0; d < p->depth; ++d, i += step) {
                if (p->exclusive) {
                    output[i] = acc;
                    acc = acc + input[i];
                } else {
                    acc = acc + input[i];
                    output[i] = acc;
                }
            }
        }
    }
}
