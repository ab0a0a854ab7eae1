/* EMBEDDING_LOOKUP, int8 table -> float32 rows (TFLM's hybrid path): out = (float)q * scale. */
#include <string.h>

#include "mcuforge/nn.h"

void mf_embedding_lookup_s8_f32(const mf_embedding_lookup_params *p, const int8_t *table, const int32_t *lookups,
                                float *output)
{
    const size_t columns = (size_t)p->columns;
    for (int32_t i = 0; i < p->lookups; ++i, output += columns) {
        const int32_t row = lookups[i];
        if (row < 0 || row >= p->rows) {
            memset(output, 0, columns * sizeof(float));
            continue;
        }
        const int8_t *q = table + (size_t)row * columns;
        for (size_t c = 0; c < columns; ++c) {
            output[c] = (float)q[c] * p->scale;
        }
    }
}
