/* BROADCAST_ARGS on int32 or int64 shape vectors: reference kernel. */
#include "mcuforge/nn.h"

static int64_t load(const void *v, int32_t elem_size, int32_t i)
{
    return elem_size == 8 ? ((const int64_t *)v)[i] : ((const int32_t *)v)[i];
}

void mf_broadcast_args(const mf_broadcast_args_params *p, const void *shape1, const void *shape2, void *output)
{
    for (int32_t k = 0; k < p->n_out; ++k) {
        /* k counts from the last dimension */
        const int32_t i1 = p->n1 - 1 - k, i2 = p->n2 - 1 - k, o = p->n_out - 1 - k;
        const int64_t a = i1 >= 0 ? load(shape1, p->elem_size, i1) : 1;
        const int64_t b = i2 >= 0 ? load(shape2, p->elem_size, i2) : 1;
        const int64_t v = a == 1 ? b : a;
        if (p->elem_size == 8) {
            ((int64_t *)output)[o] = v;
        } else {
            ((int32_t *)output)[o] = (int32_t)v;
        }
    }
}
