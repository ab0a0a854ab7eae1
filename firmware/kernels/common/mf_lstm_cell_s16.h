/* Private to the integer LSTM kernels (mf_lstm_s8, mf_lstm_s16): TFLM lstm_eval's int16 element-wise
 * steps on one step's gate buffers of n cells. */
#ifndef MF_LSTM_CELL_S16_H
#define MF_LSTM_CELL_S16_H

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

/* a[i] = sat16(a[i] + b[i]) */
static inline void mf_lstm_add_sat16(int16_t *a, const int16_t *b, int32_t n)
{
    for (int32_t i = 0; i < n; ++i) {
        a[i] = (int16_t)mf_clamp_i32((int32_t)a[i] + b[i], -32768, 32767);
    }
}

/* out[i] = clamp(MBQM(a[i] * b[i], mult, shift) + zp, lo, hi) (TFLM MulElementwise, offsets 0) */
static inline int32_t mf_lstm_mul(int16_t a, int16_t b, int32_t mult, int32_t shift, int32_t zp, int32_t lo,
                                  int32_t hi)
{
    return mf_clamp_i32(mf_mbqm((int32_t)a * b, mult, shift) + zp, lo, hi);
}

/* The cell update: c = sat16(f * c + i * g), then the optional clip to [-clip, clip].
 * f, i, g: the activated gates (Q0.15); c: the cell state (its own scale). */
static inline void mf_lstm_update_cell(int16_t *c, const int16_t *f, const int16_t *i, const int16_t *g, int32_t n,
                                       int32_t forget_mult, int32_t forget_shift, int32_t update_mult,
                                       int32_t update_shift, int32_t clip)
{
    for (int32_t k = 0; k < n; ++k) {
        const int32_t kept = mf_lstm_mul(f[k], c[k], forget_mult, forget_shift, 0, -32768, 32767);
        const int32_t added = mf_lstm_mul(i[k], g[k], update_mult, update_shift, 0, -32768, 32767);
        int32_t v = mf_clamp_i32(kept + added, -32768, 32767);
        if (clip > 0) {
            v = mf_clamp_i32(v, -clip, clip);
        }
        c[k] = (int16_t)v;
    }
}

#endif /* MF_LSTM_CELL_S16_H */
