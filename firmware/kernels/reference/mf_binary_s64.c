/* MAXIMUM and MINIMUM on int64 with broadcasting: reference kernel. */
#include "../common/mf_broadcast_walk.h"
#include "mcuforge/nn.h"

#define MF_BINARY_S64_STEP(out, x1, x2)                        \
    do {                                                       \
        const int64_t x = (x1);                                \
        const int64_t y = (x2);                                \
        *(out)++ = is_max ? (x > y ? x : y) : (x < y ? x : y); \
    } while (0)

void mf_binary_s64(const mf_binary_s64_params *p, const int64_t *input1, const int64_t *input2, int64_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int is_max = p->fn == MF_BIN_MAXIMUM;
    MF_BROADCAST_WALK(bc, int64_t, input1, int64_t, input2, output, MF_BINARY_S64_STEP);
}
