/* ZEROS_LIKE: the output's bytes set to zero (0, 0.0f and false alike): reference kernel. */
#include <string.h>

#include "mcuforge/nn.h"

void mf_zeros(const mf_zeros_params *p, void *output)
{
    memset(output, 0, (size_t)p->bytes);
}
