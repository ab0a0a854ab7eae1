/* PAD / PADV2, constant mode, elements of 1, 2 or 4 bytes. Type-agnostic. */
#include <string.h>

#include "mcuforge/nn.h"

/* Fill n elements with the pad element: write one, then double the filled part. */
static void fill(uint8_t *out, int32_t n, const uint8_t *elem, int32_t es)
{
    if (n <= 0) {
        return;
    }
    const size_t total = (size_t)n * (size_t)es;
    if (es == 1) {
        memset(out, elem[0], total);
        return;
    }
    memcpy(out, elem, (size_t)es);
    size_t done = (size_t)es;
    while (done < total) {
        const size_t chunk = done < total - done ? done : total - done;
        memcpy(out + done, out, chunk);
        done += chunk;
    }
}

void mf_pad(const mf_pad_params *p, const void *input, void *output)
{
    const int32_t es = p->elem_size;
    const int32_t last = p->rank - 1;
    uint8_t elem[4];
    if (es == 1) {
        const int8_t v = (int8_t)(uint8_t)(p->pad_bits & 0xFFu);
        memcpy(elem, &v, 1);
    } else if (es == 2) {
        const uint16_t v = (uint16_t)(p->pad_bits & 0xFFFFu);
        memcpy(elem, &v, 2);
    } else {
        const uint32_t v = p->pad_bits;
        memcpy(elem, &v, 4);
    }
    const int32_t row_out = p->out_dims[last];
    const int32_t row_in = p->in_dims[last];
    const int32_t before = p->pad_before[last];
    const int32_t after = row_out - row_in - before;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    int32_t idx[MF_MOVE_MAX_DIMS] = {0};
    for (;;) {
        /* the input row under this output row, if every outer index falls inside the input */
        int inside = 1;
        size_t in_row = 0;
        for (int32_t d = 0; d < last; ++d) {
            const int32_t i = idx[d] - p->pad_before[d];
            if (i < 0 || i >= p->in_dims[d]) {
                inside = 0;
                break;
            }
            in_row = in_row * (size_t)p->in_dims[d] + (size_t)i;
        }
        if (inside) {
            fill(out, before, elem, es);
            memcpy(out + (size_t)before * es, in + in_row * (size_t)row_in * es, (size_t)row_in * es);
            fill(out + (size_t)(before + row_in) * es, after, elem, es);
        } else {
            fill(out, row_out, elem, es);
        }
        out += (size_t)row_out * es;
        int32_t d = last - 1;
        while (d >= 0) {
            if (++idx[d] < p->out_dims[d]) {
                break;
            }
            idx[d] = 0;
            --d;
        }
        if (d < 0) {
            return;
        }
    }
}
