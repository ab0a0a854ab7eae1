/* ARG_MAX / ARG_MIN, float input, int32 positions (TFLM: a later element wins only when strictly
 * greater / smaller than the current candidate, so ties keep the first position). */
#include "../common/mf_arg_min_max.h"
#include "mcuforge/nn.h"

void mf_arg_min_max_f32(const mf_arg_min_max_params *p, const float *input, int32_t *output)
{
    MF_ARG_MIN_MAX_BODY(float);
}
