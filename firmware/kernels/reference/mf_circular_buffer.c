/* CIRCULAR_BUFFER (TFLM custom op): a ring of the last input rows, run at a stride of invokes. */
#include <string.h>

#include "mcuforge/nn.h"

int mf_circular_buffer(const mf_circular_buffer_params *p, const int8_t *input, int8_t *output)
{
    const size_t row = (size_t)p->depth;
    const size_t all = (size_t)p->num_slots * row;
    memmove(p->ring, p->ring + row, all - row);
    memcpy(p->ring + all - row, input, row);
    memcpy(output, p->ring, all);
    uint32_t count;
    memcpy(&count, p->count, sizeof count);
    count += 1u;
    const int stop = count < p->cycles_max;
    if (!stop) {
        count = 0u;
    }
    memcpy(p->count, &count, sizeof count);
    return stop;
}
