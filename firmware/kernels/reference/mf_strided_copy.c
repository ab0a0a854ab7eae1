/* Strided gather of elem_size-byte elements: STRIDED_SLICE, SLICE, TRANSPOSE. Type-agnostic. */
#include <string.h>

#include "mcuforge/nn.h"

/* Copy one output row (the last dimension): n elements, input step `step` elements. */
static void copy_row(uint8_t *out, const uint8_t *in, int32_t n, int32_t step, int32_t es)
{
    if (step == 1) {
        memcpy(out, in, (size_t)n * (size_t)es);
        return;
    }
    const ptrdiff_t in_step = (ptrdiff_t)step * es;
    switch (es) {
    case 1:
        for (int32_t i = 0; i < n; ++i, in += in_step) {
            out[i] = *in;
        }
        break;
    case 2:
        for (int32_t i = 0; i < n; ++i, in += in_step, out += 2) {
            memcpy(out, in, 2);
        }
        break;
    case 4:
        for (int32_t i = 0; i < n; ++i, in += in_step, out += 4) {
            memcpy(out, in, 4);
        }
        break;
    default:
        for (int32_t i = 0; i < n; ++i, in += in_step, out += es) {
            memcpy(out, in, (size_t)es);
        }
        break;
    }
}

void mf_strided_copy(const mf_strided_copy_params *p, const void *input, void *output)
{
    const int32_t es = p->elem_size;
    const int32_t last = p->rank - 1;
    const int32_t n = p->count[last];
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    int32_t idx[MF_MOVE_MAX_DIMS] = {0};
    ptrdiff_t offset = p->offset;
    for (;;) {
        copy_row(out, in + offset * es, n, p->stride[last], es);
        out += (size_t)n * (size_t)es;
        /* advance the multi-index over the outer dimensions, innermost fastest */
        int32_t d = last - 1;
        while (d >= 0) {
            offset += p->stride[d];
            if (++idx[d] < p->count[d]) {
                break;
            }
            offset -= (ptrdiff_t)p->stride[d] * p->count[d];
            idx[d] = 0;
            --d;
        }
        if (d < 0) {
            return;
        }
    }
}
