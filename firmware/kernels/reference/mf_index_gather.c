/* Index-map gather of blocks (MIRROR_PAD, RESIZE_NEAREST_NEIGHBOR). Type-agnostic. */
#include <string.h>

#include "mcuforge/nn.h"

void mf_index_gather(const mf_index_gather_params *p, const void *input, void *output)
{
    const size_t block = (size_t)p->block_bytes;
    const uint8_t *in = (const uint8_t *)input;
    uint8_t *out = (uint8_t *)output;
    const int32_t last = p->rank - 1;
    const int32_t *map[MF_MOVE_MAX_DIMS];
    int32_t idx[MF_MOVE_MAX_DIMS] = {0};
    const int32_t *next = p->offsets;
    for (int32_t d = 0; d < p->rank; ++d) {
        map[d] = next;
        next += p->count[d];
    }
    for (;;) {
        int32_t outer = 0;
        for (int32_t d = 0; d < last; ++d) {
            outer += map[d][idx[d]];
        }
        for (int32_t i = 0; i < p->count[last]; ++i, out += block) {
            memcpy(out, in + outer + map[last][i], block);
        }
        int32_t d = last - 1;
        while (d >= 0 && ++idx[d] == p->count[d]) {
            idx[d--] = 0;
        }
        if (d < 0) {
            return;
        }
    }
}
