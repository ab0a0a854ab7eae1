/* UNIDIRECTIONAL_SEQUENCE_LSTM, int16 activations, int8 weights, int64 bias, int16 cell state (TFLM lstm_eval). */
#include <string.h>

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

#include "../common/mf_lstm_cell_s16.h"

/* out[r][o] = clamp16(MBQM(sum_d w[o][d] * (x[r][d] + offset) + bias[o], mult, shift)) */
static void fc_to_s16(const int16_t *x, int32_t rows, int32_t depth, int32_t offset, const int8_t *w,
                      const int64_t *bias, int32_t units, int32_t mult, int32_t shift, int16_t *out)
{
    for (int32_t r = 0; r < rows; ++r) {
        for (int32_t o = 0; o < units; ++o) {
            const int8_t *wo = w + (size_t)o * depth;
            int64_t acc = 0;
            for (int32_t d = 0; d < depth; ++d) {
                acc += wo[d] * (x[(size_t)r * depth + d] + offset);
            }
            if (bias) {
                acc += bias[o];
            }
            out[(size_t)r * units + o] = (int16_t)mf_clamp_i32(mf_mbqm64(acc, mult, shift), -32768, 32767);
        }
    }
}

static void gate(const mf_lstm_s16_params *p, int g, const int16_t *x, const int16_t *h, int32_t rows, int16_t *out,
                 int16_t *tmp)
{
    const int32_t n = p->state_dim;
    fc_to_s16(x, rows, p->input_dim, p->input_offset, p->input_weights[g], p->bias[g], n, p->input_mult[g],
              p->input_shift[g], out);
    fc_to_s16(h, rows, n, p->hidden_offset, p->recurrent_weights[g], NULL, n, p->recurrent_mult[g],
              p->recurrent_shift[g], tmp);
    mf_lstm_add_sat16(out, tmp, rows * n);
    if (g == MF_LSTM_CELL) {
        mf_tanh_s16(&p->gate_tanh, out, out);
    } else {
        mf_logistic_s16(&p->gate_sigmoid, out, out);
    }
}

void mf_lstm_s16(const mf_lstm_s16_params *p, const int16_t *input, int16_t *hidden_state, int16_t *cell_state,
                 int16_t *output)
{
    const int32_t n = p->state_dim;
    const int32_t rows = p->time_major ? p->batches : 1;
    const int32_t cells = rows * n;
    int16_t *b0 = p->scratch, *b1 = b0 + cells, *b2 = b1 + cells, *b3 = b2 + cells;
    const int32_t outer = p->time_major ? 1 : p->batches;
    for (int32_t b = 0; b < outer; ++b) {
        int16_t *h = hidden_state + (size_t)b * n;
        int16_t *c = cell_state + (size_t)b * n;
        for (int32_t t = 0; t < p->time_steps; ++t) {
            const size_t step = p->time_major ? (size_t)t : (size_t)b * p->time_steps + t;
            const int16_t *x = input + step * rows * p->input_dim;
            gate(p, MF_LSTM_FORGET, x, h, rows, b0, b3);
            gate(p, MF_LSTM_INPUT, x, h, rows, b1, b3);
            gate(p, MF_LSTM_CELL, x, h, rows, b2, b3);
            mf_lstm_update_cell(c, b0, b1, b2, cells, p->forget_mult, p->forget_shift, p->update_mult,
                                p->update_shift, p->cell_clip);
            gate(p, MF_LSTM_OUTPUT, x, h, rows, b1, b3);
            mf_tanh_s16(&p->cell_tanh, c, b0);
            for (int32_t k = 0; k < cells; ++k) {
                h[k] = (int16_t)mf_lstm_mul(b0[k], b1[k], p->hidden_mult, p->hidden_shift, p->hidden_zp, -32768, 32767);
            }
            memcpy(output + step * cells, h, (size_t)cells * sizeof *h);
        }
    }
}
