/* MEAN, int8 (TFLM QuantizedMeanOrSum); the walk is common/mf_reduce_walk.h's. */
#include "../common/mf_reduce_walk.h"

#define MF_MEAN_S8_RESULT(sum) (int8_t)MF_MEAN_REQUANTIZE(p, (sum), -128, 127)

void mf_mean_s8(const mf_mean_params *p, const int8_t *input, int8_t *output)
{
    MF_REDUCE_WALK(&p->walk, input, output, uint32_t, 0, MF_MEAN_ADD_WRAPPING, MF_MEAN_S8_RESULT);
}
