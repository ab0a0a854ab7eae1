/* REDUCE_MIN, float32 (TFLM's ReduceGeneric): from FLT_MAX, an element replaces the running
 * value only when smaller, so NaNs are skipped and +inf never wins. */
#include <float.h>

#include "mcuforge/nn.h"
#include "mcuforge/walk.h"

void mf_reduce_min_f32(const mf_reduce_walk *p, const float *input, float *output)
{
    int32_t oidx[MF_MOVE_MAX_DIMS] = {0};
    ptrdiff_t base = 0;
    size_t k = 0;
    do {
        int32_t ridx[MF_MOVE_MAX_DIMS] = {0};
        ptrdiff_t off = 0;
        float acc = FLT_MAX;
        do {
            const float v = input[base + off];
            if (v < acc) {
                acc = v;
            }
        } while (mf_walk_next(p->red_rank, p->red_count, p->red_stride, ridx, &off));
        output[k++] = acc;
    } while (mf_walk_next(p->out_rank, p->out_count, p->out_stride, oidx, &base));
}
