/* MEAN, float32: sum in row-major order of the reduced dimensions, then divide (TFLM reference). */
#include "mcuforge/nn.h"
#include "mcuforge/walk.h"

void mf_mean_f32(const mf_mean_params *p, const float *input, float *output)
{
    int32_t oidx[MF_MOVE_MAX_DIMS] = {0};
    ptrdiff_t base = 0;
    size_t k = 0;
    const float n = (float)p->n;
    do {
        int32_t ridx[MF_MOVE_MAX_DIMS] = {0};
        ptrdiff_t off = 0;
        float sum = 0.0f;
        do {
            sum += input[base + off];
        } while (mf_walk_next(p->walk.red_rank, p->walk.red_count, p->walk.red_stride, ridx, &off));
        output[k++] = sum / n;
    } while (mf_walk_next(p->walk.out_rank, p->walk.out_count, p->walk.out_stride, oidx, &base));
}
