/* Clamp of raw int16 values (RELU6 on int16, as TFLM): reference kernel. */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_clamp_s16(const mf_clamp_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = (int16_t)mf_clamp_i32(input[i], p->lo, p->hi);
    }
}
