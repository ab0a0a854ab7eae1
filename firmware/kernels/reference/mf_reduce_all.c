/* REDUCE_ALL, bool (one byte per element, 0 or 1): 1 when every reduced element is non-zero. */
#include "mcuforge/nn.h"
#include "mcuforge/walk.h"

void mf_reduce_all(const mf_reduce_walk *p, const uint8_t *input, uint8_t *output)
{
    int32_t oidx[MF_MOVE_MAX_DIMS] = {0};
    ptrdiff_t base = 0;
    size_t k = 0;
    do {
        int32_t ridx[MF_MOVE_MAX_DIMS] = {0};
        ptrdiff_t off = 0;
        uint8_t acc = 1;
        do {
            acc = (uint8_t)(acc && input[base + off]);
        } while (mf_walk_next(p->red_rank, p->red_count, p->red_stride, ridx, &off));
        output[k++] = acc;
    } while (mf_walk_next(p->out_rank, p->out_count, p->out_stride, oidx, &base));
}
