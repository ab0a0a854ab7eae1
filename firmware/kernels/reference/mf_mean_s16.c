/* MEAN, int16 (TFLM QuantizedMeanOrSum); the walk is common/mf_reduce_walk.h's. */
#include "../common/mf_reduce_walk.h"

#define MF_MEAN_S16_RESULT(sum) (int16_t)MF_MEAN_REQUANTIZE(p, (sum), -32768, 32767)

void mf_mean_s16(const mf_mean_params *p, const int16_t *input, int16_t *output)
{
    MF_REDUCE_WALK(&p->walk, input, output, uint32_t, 0, MF_MEAN_ADD_WRAPPING, MF_MEAN_S16_RESULT);
}
