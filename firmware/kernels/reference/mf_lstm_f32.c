/* UNIDIRECTIONAL_SEQUENCE_LSTM, float32 (TFLM lstm_eval, reference FullyConnected/Logistic/Tanh/Mul). */
#include <string.h>

#include "mcuforge/nn.h"

/* out[r][o] = sum_d x[r][d] * w[o][d] (summed in d order), + bias[o] */
static void fc(const float *x, int32_t rows, int32_t depth, const float *w, const float *bias, int32_t units,
               float *out)
{
    for (int32_t r = 0; r < rows; ++r) {
        for (int32_t o = 0; o < units; ++o) {
            const float *wo = w + (size_t)o * depth;
            float total = 0.0f;
            for (int32_t d = 0; d < depth; ++d) {
                total += x[(size_t)r * depth + d] * wo[d];
            }
            out[(size_t)r * units + o] = total + (bias ? bias[o] : 0.0f);
        }
    }
}

static void gate(const mf_lstm_f32_params *p, int g, const float *x, const float *h, int32_t rows, float *out,
                 float *tmp)
{
    const int32_t n = p->state_dim;
    fc(x, rows, p->input_dim, p->input_weights[g], p->bias[g], n, out);
    fc(h, rows, n, p->recurrent_weights[g], NULL, n, tmp);
    for (int32_t k = 0; k < rows * n; ++k) {
        out[k] = out[k] + tmp[k];
    }
    if (g == MF_LSTM_CELL) {
        mf_tanh_f32(&p->act, out, out);
    } else {
        mf_logistic_f32(&p->act, out, out);
    }
}

void mf_lstm_f32(const mf_lstm_f32_params *p, const float *input, float *hidden_state, float *cell_state,
                 float *output)
{
    const int32_t n = p->state_dim;
    const int32_t rows = p->time_major ? p->batches : 1;
    const int32_t cells = rows * n;
    float *b0 = p->scratch, *b1 = b0 + cells, *b2 = b1 + cells, *b3 = b2 + cells;
    const int32_t outer = p->time_major ? 1 : p->batches;
    for (int32_t b = 0; b < outer; ++b) {
        float *h = hidden_state + (size_t)b * n;
        float *c = cell_state + (size_t)b * n;
        for (int32_t t = 0; t < p->time_steps; ++t) {
            const size_t step = p->time_major ? (size_t)t : (size_t)b * p->time_steps + t;
            const float *x = input + step * rows * p->input_dim;
            gate(p, MF_LSTM_FORGET, x, h, rows, b0, b3);
            gate(p, MF_LSTM_INPUT, x, h, rows, b1, b3);
            gate(p, MF_LSTM_CELL, x, h, rows, b2, b3);
            for (int32_t k = 0; k < cells; ++k) {
                c[k] = c[k] * b0[k];
                b1[k] = b1[k] * b2[k];
                c[k] = c[k] + b1[k];
                if (p->cell_clip > 0.0f) { /* std::max(std::min(clip, c), -clip), NaN included */
                    const float m = c[k] < p->cell_clip ? c[k] : p->cell_clip;
                    c[k] = m < -p->cell_clip ? -p->cell_clip : m;
                }
            }
            gate(p, MF_LSTM_OUTPUT, x, h, rows, b1, b3);
            mf_tanh_f32(&p->act, c, b0);
            for (int32_t k = 0; k < cells; ++k) {
                h[k] = b0[k] * b1[k];
            }
            memcpy(output + step * cells, h, (size_t)cells * sizeof *h);
        }
    }
}
