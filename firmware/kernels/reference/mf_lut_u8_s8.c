/* QUANTIZE uint8 -> int8 by 256-entry table (built at generation time): reference kernel. */
#include "mcuforge/nn.h"

void mf_lut_u8_s8(const mf_lut_s8_params *p, const uint8_t *input, int8_t *output)
{
    const int8_t *table = p->table;
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = table[input[i]];
    }
}
