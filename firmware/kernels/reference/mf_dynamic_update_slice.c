/* DYNAMIC_UPDATE_SLICE (TFLM's semantics, see nn.h). Type-agnostic. */
#include <string.h>

#include "mcuforge/nn.h"

void mf_dynamic_update_slice(const mf_dynamic_update_slice_params *p, const void *operand, const void *update,
                             const void *start_indices, void *output)
{
    const size_t es = (size_t)p->elem_size;
    const int32_t rank = p->rank;
    size_t total = 1, update_total = 1;
    for (int32_t d = 0; d < rank; ++d) {
        total *= (size_t)p->dims[d];
        update_total *= (size_t)p->update_dims[d];
    }
    if (total == update_total) {
        memcpy(output, update, total * es);
        return;
    }
    if (output != operand) {
        memcpy(output, operand, total * es);
    }
    if (update_total == 0) {
        return;
    }
    /* clamped start and row-major strides, in elements */
    size_t start = 0, stride[MF_MOVE_MAX_DIMS];
    size_t s = 1;
    for (int32_t d = rank - 1; d >= 0; --d) {
        stride[d] = s;
        s *= (size_t)p->dims[d];
    }
    for (int32_t d = 0; d < rank; ++d) {
        int64_t i;
        if (p->index_bytes == 8) {
            memcpy(&i, (const uint8_t *)start_indices + 8 * (size_t)d, 8);
        } else {
            int32_t i32;
            memcpy(&i32, (const uint8_t *)start_indices + 4 * (size_t)d, 4);
            i = i32;
        }
        const int64_t hi = (int64_t)p->dims[d] - p->update_dims[d];
        i = i < 0 ? 0 : (i > hi ? hi : i);
        start += (size_t)i * stride[d];
    }
    /* copy the update's rows (its last dimension) into place, odometer over the others */
    const size_t row = (size_t)p->update_dims[rank - 1] * es;
    const uint8_t *src = (const uint8_t *)update;
    uint8_t *dst = (uint8_t *)output + start * es;
    int32_t idx[MF_MOVE_MAX_DIMS] = {0};
    for (;;) {
        size_t at = 0;
        for (int32_t d = 0; d < rank - 1; ++d) {
            at += (size_t)idx[d] * stride[d];
        }
        memcpy(dst + at * es, src, row);
        src += row;
        int32_t d = rank - 2;
        while (d >= 0 && ++idx[d] == p->update_dims[d]) {
            idx[d--] = 0;
        }
        if (d < 0) {
            return;
        }
    }
}
