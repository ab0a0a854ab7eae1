/* QUANTIZE int32_t -> int8_t (TFLM's Requantize): reference kernel;
 * the loop is common/mf_requantize_wrapping.h's. */
#include "../common/mf_requantize_wrapping.h"

void mf_requantize_s32_s8(const mf_requantize_params *p, const int32_t *input, int8_t *output)
{
    MF_REQUANTIZE_WRAPPING(p, input, output, int8_t);
}
