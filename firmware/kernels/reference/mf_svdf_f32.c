/* SVDF, float32 (TFLM's EvalFloatSvdfReference and its fused activation). */
#include <math.h>
#include <string.h>

#include "mcuforge/nn.h"

static float activate(int32_t act, float a)
{
    switch (act) {
    case MF_SVDF_ACT_RELU:
        return 0.0f > a ? 0.0f : a;
    case MF_SVDF_ACT_RELU_N1_TO_1: {
        const float m = a < 1.0f ? a : 1.0f;
        return -1.0f > m ? -1.0f : m;
    }
    case MF_SVDF_ACT_RELU6: {
        const float m = a < 6.0f ? a : 6.0f;
        return 0.0f > m ? 0.0f : m;
    }
    case MF_SVDF_ACT_TANH:
        return tanhf(a);
    case MF_SVDF_ACT_SIGN_BIT:
        return signbit(a) ? 1.0f : 0.0f;
    default:
        return a;
    }
}

void mf_svdf_f32(const mf_svdf_f32_params *p, const float *input, float *state, float *output)
{
    const int32_t n_state = p->batches * p->filters * p->memory;
    memmove(state, state + 1, (size_t)(n_state - 1) * sizeof *state);
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *w = p->weights_feature;
        float *newest = state + (size_t)b * p->filters * p->memory + (p->memory - 1);
        for (int32_t f = 0; f < p->filters; ++f) {
            const float *x = input + (size_t)b * p->input_size;
            float dot = 0.0f;
            for (int32_t k = 0; k < p->input_size; ++k) {
                dot += *w++ * *x++;
            }
            newest[(size_t)f * p->memory] = dot;
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *w = p->weights_time;
        const float *s = state + (size_t)b * p->memory * p->filters;
        for (int32_t f = 0; f < p->filters; ++f) {
            float sum = 0.0f;
            for (int32_t m = 0; m < p->memory; ++m) {
                sum += *w++ * *s++;
            }
            p->scratch[b * p->filters + f] = sum;
        }
    }
    for (int32_t b = 0; b < p->batches; ++b) {
        const float *fb = p->scratch + b * p->filters;
        float *out = output + (size_t)b * p->units;
        for (int32_t u = 0; u < p->units; ++u) {
            out[u] = p->bias ? p->bias[u] : 0.0f;
            for (int32_t r = 0; r < p->rank; ++r) {
                out[u] += *fb++;
            }
            out[u] = activate(p->activation, out[u]);
        }
    }
}
