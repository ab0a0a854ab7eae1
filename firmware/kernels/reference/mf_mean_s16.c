/* MEAN, int16 (TFLM QuantizedMeanOrSum). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"
#include "mcuforge/walk.h"

void mf_mean_s16(const mf_mean_params *p, const int16_t *input, int16_t *output)
{
    int32_t oidx[MF_MOVE_MAX_DIMS] = {0};
    ptrdiff_t base = 0;
    size_t k = 0;
    do {
        int32_t ridx[MF_MOVE_MAX_DIMS] = {0};
        ptrdiff_t off = 0;
        uint32_t sum = 0; /* wraps like TFLM's AddTensorValuesWithExpectedOverflow */
        do {
            sum += (uint32_t)(int32_t)input[base + off];
        } while (mf_walk_next(p->walk.red_rank, p->walk.red_count, p->walk.red_stride, ridx, &off));
        const int32_t shifted = (int32_t)(sum - (uint32_t)p->zp_times_n);
        const int32_t v = mf_clamp_i32(mf_mbqm(shifted, p->mult, p->shift) + p->output_offset, -32768, 32767);
        output[k++] = (int16_t)v;
    } while (mf_walk_next(p->walk.out_rank, p->walk.out_count, p->walk.out_stride, oidx, &base));
}
