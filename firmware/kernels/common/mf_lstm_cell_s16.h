/* Private to the integer LSTM kernels (mf_lstm_s8, mf_lstm_s16): TFLM lstm_eval's int16 element-wise
 * steps on one step's gate buffers of n cells, and the kernels' gates and time loop, written once
 * for both activation types. */
#ifndef MF_LSTM_CELL_S16_H
#define MF_LSTM_CELL_S16_H

#include <string.h>

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

/* Defines an integer LSTM kernel's two static helpers for activations of type ACT_T (parameters
 * PARAMS_T, bias BIAS_T summed in ACC_T and requantised by MBQM):
 *  - fc_to_s16: out[r][o] = clamp16(MBQM(sum_d w[o][d] * (x[r][d] + offset) + bias[o], mult, shift));
 *  - gate: gate g of one step, its input and recurrent products added (sat16) and activated
 *    (tanh for the cell gate, the logistic otherwise). */
#define MF_LSTM_DEFINE_GATES(PARAMS_T, ACT_T, BIAS_T, ACC_T, MBQM)                                          \
static void fc_to_s16(const ACT_T *x, int32_t rows, int32_t depth, int32_t offset, const int8_t *w,         \
                      const BIAS_T *bias, int32_t units, int32_t mult, int32_t shift, int16_t *out)         \
{                                                                                                           \
    for (int32_t r = 0; r < rows; ++r) {                                                                    \
        for (int32_t o = 0; o < units; ++o) {                                                               \
            const int8_t *wo = w + (size_t)o * depth;                                                       \
            ACC_T acc = 0;                                                                                  \
            for (int32_t d = 0; d < depth; ++d) {                                                           \
                acc += wo[d] * (x[(size_t)r * depth + d] + offset);                                         \
            }                                                                                               \
            if (bias) {                                                                                     \
                acc += bias[o];                                                                             \
            }                                                                                               \
            out[(size_t)r * units + o] = (int16_t)mf_clamp_i32(MBQM(acc, mult, shift), -32768, 32767);      \
        }                                                                                                   \
    }                                                                                                       \
}                                                                                                           \
                                                                                                            \
static void gate(const PARAMS_T *p, int g, const ACT_T *x, const ACT_T *h, int32_t rows, int16_t *out,      \
                 int16_t *tmp)                                                                              \
{                                                                                                           \
    const int32_t n = p->state_dim;                                                                         \
    fc_to_s16(x, rows, p->input_dim, p->input_offset, p->input_weights[g], p->bias[g], n, p->input_mult[g], \
              p->input_shift[g], out);                                                                      \
    fc_to_s16(h, rows, n, p->hidden_offset, p->recurrent_weights[g], NULL, n, p->recurrent_mult[g],         \
              p->recurrent_shift[g], tmp);                                                                  \
    mf_lstm_add_sat16(out, tmp, rows * n);                                                                  \
    if (g == MF_LSTM_CELL) {                                                                                \
        mf_tanh_s16(&p->gate_tanh, out, out);                                                               \
    } else {                                                                                                \
        mf_logistic_s16(&p->gate_sigmoid, out, out);                                                        \
    }                                                                                                       \
}

/* The body of an integer LSTM kernel (p, input, hidden_state, cell_state, output): for every batch
 * and time step the four gates, the cell update, the hidden state h = clamp(o * tanh(c)) to [LO, HI]
 * as an ACT_T, copied to the output. */
#define MF_LSTM_INTEGER_BODY(ACT_T, LO, HI)                                                                         \
    do {                                                                                                            \
        const int32_t n = p->state_dim;                                                                             \
        const int32_t rows = p->time_major ? p->batches : 1;                                                        \
        const int32_t cells = rows * n;                                                                             \
        int16_t *b0 = p->scratch, *b1 = b0 + cells, *b2 = b1 + cells, *b3 = b2 + cells;                             \
        const int32_t outer = p->time_major ? 1 : p->batches;                                                       \
        for (int32_t b = 0; b < outer; ++b) {                                                                       \
            ACT_T *h = hidden_state + (size_t)b * n;                                                                \
            int16_t *c = cell_state + (size_t)b * n;                                                                \
            for (int32_t t = 0; t < p->time_steps; ++t) {                                                           \
                const size_t step = p->time_major ? (size_t)t : (size_t)b * p->time_steps + t;                      \
                const ACT_T *x = input + step * rows * p->input_dim;                                                \
                gate(p, MF_LSTM_FORGET, x, h, rows, b0, b3);                                                        \
                gate(p, MF_LSTM_INPUT, x, h, rows, b1, b3);                                                         \
                gate(p, MF_LSTM_CELL, x, h, rows, b2, b3);                                                          \
                mf_lstm_update_cell(c, b0, b1, b2, cells, p->forget_mult, p->forget_shift, p->update_mult,          \
                                    p->update_shift, p->cell_clip);                                                 \
                gate(p, MF_LSTM_OUTPUT, x, h, rows, b1, b3);                                                        \
                mf_tanh_s16(&p->cell_tanh, c, b0);                                                                  \
                for (int32_t k = 0; k < cells; ++k) {                                                               \
                    h[k] = (ACT_T)mf_lstm_mul(b0[k], b1[k], p->hidden_mult, p->hidden_shift, p->hidden_zp, LO, HI); \
                }                                                                                                   \
                memcpy(output + step * cells, h, (size_t)cells * sizeof *h);                                        \
            }                                                                                                       \
        }                                                                                                           \
    } while (0)

#endif /* MF_LSTM_CELL_S16_H */
