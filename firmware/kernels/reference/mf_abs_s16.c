/* ABS, int16: reference kernel (TFLM's raw, clamped and rescaled paths). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void mf_abs_s16(const mf_abs_s16_params *p, const int16_t *input, int16_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        const int32_t x = input[i];
        const int32_t a = x < 0 ? -x : x;
        int32_t v;
        switch (p->mode) {
        case MF_ABS_RAW:
            output[i] = (int16_t)(uint16_t)(uint32_t)a;
            continue;
        case MF_ABS_CLAMP:
            v = a;
            break;
        default:
            v = mf_mbqm(a, p->multiplier, p->shift);
            break;
        }
        output[i] = (int16_t)mf_clamp_i32(v, -32768, 32767);
    }
}
