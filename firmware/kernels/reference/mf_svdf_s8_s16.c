/* SVDF, int8 input and output, int16 time weights and state (TFLM's EvalInt16SvdfReference). */
#define MF_SVDF_STATE_T int16_t
#define MF_SVDF_FUNCTION mf_svdf_s8_s16
#include "../common/mf_svdf_s8_reference.h"
