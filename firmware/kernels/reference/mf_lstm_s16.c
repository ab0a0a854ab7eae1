/* UNIDIRECTIONAL_SEQUENCE_LSTM, int16 activations, int8 weights, int64 bias, int16 cell state (TFLM lstm_eval). */
#include "../common/mf_lstm_cell_s16.h"
#include "mcuforge/nn.h"

MF_LSTM_DEFINE_GATES(mf_lstm_s16_params, int16_t, int64_t, int64_t, mf_mbqm64)

void mf_lstm_s16(const mf_lstm_s16_params *p, const int16_t *input, int16_t *hidden_state, int16_t *cell_state,
                 int16_t *output)
{
    MF_LSTM_INTEGER_BODY(int16_t, -32768, 32767);
}
