/* FILL: one scalar copied to every output element: reference kernel, type-agnostic. */
#include <string.h>

#include "mcuforge/nn.h"

void mf_fill(const mf_fill_params *p, const void *value, void *output)
{
    uint8_t *out = (uint8_t *)output;
    const size_t es = (size_t)p->elem_size;
    for (int32_t i = 0; i < p->size; ++i, out += es) {
        memcpy(out, value, es);
    }
}
