/* AVERAGE_POOL_2D, int8: reference kernel. Padding cells are skipped: the average is over the cells
 * inside the image, rounded half away from zero as TFLM does ((sum +- n/2) / n, C division).
 * The algorithm is common/mf_avgpool2d_s8_reference.h, shared with the dsp kernel's generic path;
 * this kernel is that function itself, by alias (a wrapper calling it compiles the loops less well). */
#include "../common/mf_avgpool2d_s8_reference.h"

void mf_avgpool2d_s8(const mf_pool2d_params *p, const int8_t *input, int8_t *output)
    __attribute__((alias("mf_avgpool2d_s8_reference")));
