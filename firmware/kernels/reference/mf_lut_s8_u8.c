/* QUANTIZE int8 -> uint8 by 256-entry table (built at generation time): reference kernel. */
#include "mcuforge/nn.h"

void mf_lut_s8_u8(const mf_lut_u8_params *p, const int8_t *input, uint8_t *output)
{
    const uint8_t *table = p->table;
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = table[(uint8_t)input[i]];
    }
}
