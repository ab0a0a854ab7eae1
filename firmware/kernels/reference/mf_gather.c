/* GATHER: rows of row_bytes bytes picked by int32 indices. Type-agnostic. */
#include <string.h>

#include "mcuforge/nn.h"

void mf_gather(const mf_gather_params *p, const void *input, const int32_t *indices, void *output)
{
    const size_t row = (size_t)p->row_bytes;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    for (int32_t b = 0; b < p->batches; ++b) {
        const int32_t *idx = indices + (size_t)b * (size_t)p->coords;
        for (int32_t o = 0; o < p->outer; ++o) {
            const uint8_t *src = in + ((size_t)b * (size_t)p->outer + (size_t)o) * (size_t)p->axis_size * row;
            for (int32_t c = 0; c < p->coords; ++c, out += row) {
                const int32_t i = idx[c];
                if (i < 0 || i >= p->axis_size) {
                    memset(out, 0, row);
                } else {
                    memcpy(out, src + (size_t)i * row, row);
                }
            }
        }
    }
}
