/* SPACE_TO_BATCH_ND: whole pixels (row_bytes each) moved, padding written as zero bytes. */
#include <string.h>

#include "mcuforge/nn.h"

/* The inverse walk of mf_batch_to_space_nd.c (output pixels gathered, padding zeroed): alike in
 * shape on purpose, kept apart. */
void mf_space_to_batch_nd(const mf_space_batch_params *p, const void *input, void *output)
{
    const size_t row = (size_t)p->row_bytes;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    for (int32_t ob = 0; ob < p->out_batch; ++ob) {
        const int32_t ib = ob % p->in_batch;
        const int32_t shift = ob / p->in_batch;
        const int32_t sh = shift / p->block_w, sw = shift % p->block_w;
        for (int32_t oh = 0; oh < p->out_h; ++oh) {
            const int32_t ih = oh * p->block_h + sh - p->before_h;
            for (int32_t ow = 0; ow < p->out_w; ++ow, out += row) {
                const int32_t iw = ow * p->block_w + sw - p->before_w;
                if (ih < 0 || ih >= p->in_h || iw < 0 || iw >= p->in_w) {
                    memset(out, 0, row);
                } else {
                    memcpy(out, in + (((size_t)ib * (size_t)p->in_h + (size_t)ih) * (size_t)p->in_w + (size_t)iw) * row,
                           row);
                }
            }
        }
    }
}
