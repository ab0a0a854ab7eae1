/* ARG_MAX / ARG_MIN, int8_t input, int32 positions (TFLM: a later element wins only when strictly
 * greater / smaller than the current candidate, so ties keep the first position). */
#include "../common/mf_arg_min_max.h"
#include "mcuforge/nn.h"

void mf_arg_min_max_s8(const mf_arg_min_max_params *p, const int8_t *input, int32_t *output)
{
    MF_ARG_MIN_MAX_BODY(int8_t);
}
