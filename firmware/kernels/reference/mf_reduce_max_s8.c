/* REDUCE_MAX, int8 (input and output share scale and zero point): the largest raw value. */
#include "mcuforge/nn.h"
#include "mcuforge/walk.h"

void mf_reduce_max_s8(const mf_reduce_walk *p, const int8_t *input, int8_t *output)
{
    int32_t oidx[MF_MOVE_MAX_DIMS] = {0};
    ptrdiff_t base = 0;
    size_t k = 0;
    do {
        int32_t ridx[MF_MOVE_MAX_DIMS] = {0};
        ptrdiff_t off = 0;
        int8_t acc = INT8_MIN;
        do {
            const int8_t v = input[base + off];
            if (v > acc) {
                acc = v;
            }
        } while (mf_walk_next(p->red_rank, p->red_count, p->red_stride, ridx, &off));
        output[k++] = acc;
    } while (mf_walk_next(p->out_rank, p->out_count, p->out_stride, oidx, &base));
}
