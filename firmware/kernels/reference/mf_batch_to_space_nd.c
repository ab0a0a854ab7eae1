/* BATCH_TO_SPACE_ND: whole pixels (row_bytes each) moved; cropped pixels are dropped. */
#include <string.h>

#include "mcuforge/nn.h"

/* The inverse walk of mf_space_to_batch_nd.c (input pixels scattered, cropped ones dropped): alike in
 * shape on purpose, kept apart. */
void mf_batch_to_space_nd(const mf_space_batch_params *p, const void *input, void *output)
{
    const size_t row = (size_t)p->row_bytes;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    for (int32_t ib = 0; ib < p->in_batch; ++ib) {
        const int32_t ob = ib % p->out_batch;
        const int32_t shift = ib / p->out_batch;
        for (int32_t ih = 0; ih < p->in_h; ++ih) {
            const int32_t oh = ih * p->block_h + shift / p->block_w - p->before_h;
            if (oh < 0 || oh >= p->out_h) {
                in += (size_t)p->in_w * row;
                continue;
            }
            for (int32_t iw = 0; iw < p->in_w; ++iw, in += row) {
                const int32_t ow = iw * p->block_w + shift % p->block_w - p->before_w;
                if (ow >= 0 && ow < p->out_w) {
                    memcpy(out + (((size_t)ob * (size_t)p->out_h + (size_t)oh) * (size_t)p->out_w + (size_t)ow) * row,
                           in, row);
                }
            }
        }
    }
}
