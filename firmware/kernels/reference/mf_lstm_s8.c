/* UNIDIRECTIONAL_SEQUENCE_LSTM, int8 activations and weights, int16 cell state (TFLM lstm_eval). */
#include "../common/mf_lstm_cell_s16.h"
#include "mcuforge/nn.h"

MF_LSTM_DEFINE_GATES(mf_lstm_s8_params, int8_t, int32_t, int32_t, mf_mbqm)

void mf_lstm_s8(const mf_lstm_s8_params *p, const int8_t *input, int8_t *hidden_state, int16_t *cell_state,
                int8_t *output)
{
    MF_LSTM_INTEGER_BODY(int8_t, -128, 127);
}
