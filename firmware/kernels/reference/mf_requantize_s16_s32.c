/* QUANTIZE int16_t -> int32_t (TFLM's Requantize): reference kernel;
 * the loop is common/mf_requantize_wrapping.h's. */
#include "../common/mf_requantize_wrapping.h"

void mf_requantize_s16_s32(const mf_requantize_params *p, const int16_t *input, int32_t *output)
{
    MF_REQUANTIZE_WRAPPING(p, input, output, int32_t);
}
