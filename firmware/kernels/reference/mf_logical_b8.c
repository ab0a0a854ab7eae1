/* LOGICAL_AND and LOGICAL_OR on bools with broadcasting: reference kernel. */
#include "../common/mf_broadcast_walk.h"
#include "mcuforge/nn.h"

#define MF_LOGICAL_B8_STEP(out, x1, x2)                    \
    do {                                                   \
        const int x = (x1) != 0;                           \
        const int y = (x2) != 0;                           \
        *(out)++ = (uint8_t)(is_or ? (x || y) : (x && y)); \
    } while (0)

void mf_logical_b8(const mf_logical_params *p, const uint8_t *input1, const uint8_t *input2, uint8_t *output)
{
    const mf_broadcast *bc = &p->bc;
    const int is_or = p->op == MF_LOGICAL_OR;
    MF_BROADCAST_WALK(bc, uint8_t, input1, uint8_t, input2, output, MF_LOGICAL_B8_STEP);
}
