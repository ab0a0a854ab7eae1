/* SUM, float32: from 0.0f, the reduced elements added in row-major order (TFLM's ReduceGeneric). */
#include "mcuforge/nn.h"
#include "mcuforge/walk.h"

void mf_sum_f32(const mf_reduce_walk *p, const float *input, float *output)
{
    int32_t oidx[MF_MOVE_MAX_DIMS] = {0};
    ptrdiff_t base = 0;
    size_t k = 0;
    do {
        int32_t ridx[MF_MOVE_MAX_DIMS] = {0};
        ptrdiff_t off = 0;
        float sum = 0.0f;
        do {
            sum = input[base + off] + sum;
        } while (mf_walk_next(p->red_rank, p->red_count, p->red_stride, ridx, &off));
        output[k++] = sum;
    } while (mf_walk_next(p->out_rank, p->out_count, p->out_stride, oidx, &base));
}
