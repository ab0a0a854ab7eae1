/* QUANTIZE int32_t -> int16_t (TFLM's Requantize): reference kernel;
 * the loop is common/mf_requantize_wrapping.h's. */
#include "../common/mf_requantize_wrapping.h"

void mf_requantize_s32_s16(const mf_requantize_params *p, const int32_t *input, int16_t *output)
{
    MF_REQUANTIZE_WRAPPING(p, input, output, int16_t);
}
