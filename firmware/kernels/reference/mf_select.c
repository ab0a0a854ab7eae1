/* SELECT_V2 with three-way broadcasting: reference kernel, type-agnostic (elements are copied). */
#include <string.h>

#include "mcuforge/nn.h"

void mf_select(const mf_select_params *p, const uint8_t *condition, const void *x, const void *y, void *output)
{
    const uint8_t *xs = (const uint8_t *)x;
    const uint8_t *ys = (const uint8_t *)y;
    uint8_t *out = (uint8_t *)output;
    const size_t es = (size_t)p->elem_size;
    int32_t rows = 1;
    for (int d = 0; d < MF_BROADCAST_OUTER; ++d) {
        rows *= p->outer[d];
    }
    int32_t index[MF_BROADCAST_OUTER] = {0};
    int32_t oc = 0, ox = 0, oy = 0;
    for (int32_t r = 0; r < rows; ++r) {
        for (int32_t k = 0; k < p->inner; ++k) {
            const int32_t c = oc + k * p->inner_stride_c;
            const uint8_t *src = condition[c] ? xs + (size_t)(ox + k * p->inner_stride_x) * es
                                              : ys + (size_t)(oy + k * p->inner_stride_y) * es;
            memcpy(out, src, es);
            out += es;
        }
        for (int d = MF_BROADCAST_OUTER - 1; d >= 0; --d) {
            oc += p->stride_c[d];
            ox += p->stride_x[d];
            oy += p->stride_y[d];
            if (++index[d] < p->outer[d]) {
                break;
            }
            oc -= p->outer[d] * p->stride_c[d];
            ox -= p->outer[d] * p->stride_x[d];
            oy -= p->outer[d] * p->stride_y[d];
            index[d] = 0;
        }
    }
}
