/* Private to the control-flow kernels: run a table of tensor copies (mf_copy, nn.h). */
#ifndef MF_COPIES_H
#define MF_COPIES_H

#include <string.h>

#include "mcuforge/nn.h"

static inline void mf_run_copies(const mf_copy *copies, uint32_t n)
{
    for (uint32_t k = 0; k < n; ++k) {
        memcpy(copies[k].dst, copies[k].src, (size_t)copies[k].bytes);
    }
}

#endif /* MF_COPIES_H */
