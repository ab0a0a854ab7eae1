/* Private to the int8 SVDF kernels: TFLM's EvalIntegerSvdfReference for a state type T (int16_t or
 * int8_t), instantiated by MF_SVDF_STATE_T / MF_SVDF_FUNCTION before including this file. */
#include <string.h>

#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

void MF_SVDF_FUNCTION(const mf_svdf_s8_params *p, const int8_t *input, MF_SVDF_STATE_T *state, int8_t *output)
{
    const int32_t n_state = p->batches * p->filters * p->memory;
    const int32_t t_max = sizeof(MF_SVDF_STATE_T) == 2 ? 32767 : 127;
    const MF_SVDF_STATE_T *wt = (const MF_SVDF_STATE_T *)p->weights_time;
    int32_t *filt = p->scratch, *acc = p->scratch + p->batches * p->filters;
    memmove(state, state + 1, (size_t)(n_state - 1) * sizeof *state);
    for (int32_t b = 0; b < p->batches; ++b) {
        const int8_t *x = input + (size_t)b * p->input_size;
        MF_SVDF_STATE_T *newest = state + (size_t)b * p->filters * p->memory + (p->memory - 1);
        for (int32_t f = 0; f < p->filters; ++f) {
            const int8_t *w = p->weights_feature + (size_t)f * p->input_size;
            int32_t dot = 0;
            for (int32_t c = 0; c < p->input_size; ++c) {
                dot += w[c] * (x[c] - p->input_zp);
            }
            dot = mf_clamp_i32(mf_mbqm(dot, p->feature_mult, p->feature_shift), -t_max - 1, t_max);
            newest[(size_t)f * p->memory] = (MF_SVDF_STATE_T)(p->state_zp + dot);
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const MF_SVDF_STATE_T *s = state + (size_t)b * p->memory * p->filters;
        const MF_SVDF_STATE_T *w = wt;
        for (int32_t f = 0; f < p->filters; ++f) {
            int32_t sum = 0;
            for (int32_t m = 0; m < p->memory; ++m) {
                sum += *w++ * (*s++ - p->state_zp);
            }
            filt[b * p->filters + f] = sum;
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const int32_t *fb = filt + b * p->filters;
        for (int32_t u = 0; u < p->units; ++u) {
            int32_t v = p->bias ? p->bias[u] : 0;
            for (int32_t r = 0; r < p->rank; ++r) {
                v += *fb++;
            }
            acc[b * p->units + u] = v;
        }
    }
    for (int32_t i = 0; i < p->batches * p->units; ++i) {
        output[i] = (int8_t)mf_clamp_i32(mf_mbqm(acc[i], p->time_mult, p->time_shift) + p->output_zp, -128, 127);
    }
}
