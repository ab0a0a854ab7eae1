/* LOGICAL_NOT on bools: reference kernel. */
#include "mcuforge/nn.h"

void mf_logical_not_b8(const mf_unary_params *p, const uint8_t *input, uint8_t *output)
{
    for (int32_t i = 0; i < p->size; ++i) {
        output[i] = (uint8_t)(input[i] == 0);
    }
}
