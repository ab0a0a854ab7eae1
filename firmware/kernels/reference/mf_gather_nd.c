/* GATHER_ND: slices picked by int32 index tuples (flat position, TFLM's bounds check). Type-agnostic. */
#include <string.h>

#include "mcuforge/nn.h"

void mf_gather_nd(const mf_gather_nd_params *p, const void *params, const int32_t *indices, void *output)
{
    const size_t bytes = (size_t)p->slice_size * (size_t)p->elem_size;
    const uint8_t *in = (const uint8_t *)params;
    uint8_t *out = (uint8_t *)output;
    for (int32_t i = 0; i < p->slices; ++i, indices += p->depth, out += bytes) {
        int64_t from = 0;
        for (int32_t j = 0; j < p->depth; ++j) {
            from += (int64_t)indices[j] * p->stride[j];
        }
        if (from < 0 || from + p->slice_size > p->flat_size) {
            memset(out, 0, bytes);
        } else {
            memcpy(out, in + (size_t)from * (size_t)p->elem_size, bytes);
        }
    }
}
