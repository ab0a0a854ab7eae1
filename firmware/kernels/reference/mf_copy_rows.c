/* Row copy with independent input and output strides: CONCATENATION, PACK, SPLIT, SPLIT_V, UNPACK,
 * READ_VARIABLE, ASSIGN_VARIABLE. Type-agnostic (bytes). */
#include <string.h>

#include "mcuforge/nn.h"

void mf_copy_rows(const mf_copy_rows_params *p, const void *input, void *output)
{
    const uint8_t *in = (const uint8_t *)input + p->in_offset;
    uint8_t *out = (uint8_t *)output + p->out_offset;
    for (int32_t r = 0; r < p->rows; ++r) {
        memcpy(out, in, (size_t)p->row_bytes);
        in += p->in_stride;
        out += p->out_stride;
    }
}
