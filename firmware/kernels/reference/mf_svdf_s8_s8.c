/* SVDF, int8 input and output, int8 time weights and state (TFLM's EvalInt8SvdfReference). */
#define MF_SVDF_STATE_T int8_t
#define MF_SVDF_FUNCTION mf_svdf_s8_s8
#include "../common/mf_svdf_s8_reference.h"
