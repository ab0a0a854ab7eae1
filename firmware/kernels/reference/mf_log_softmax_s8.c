/* LOG_SOFTMAX, int8, over the last dimension: reference kernel (TFLM's gemmlowp fixed point:
 * exps in Q5.26 -> sum in Q12.19 -> log in Q5.26; output scale 16/256, zero point 127). */
#include "mcuforge/fixedpoint.h"
#include "mcuforge/nn.h"

static int32_t wrap_add(int32_t a, int32_t b)
{
    const uint32_t s = (uint32_t)a + (uint32_t)b;
    return s <= (uint32_t)INT32_MAX ? (int32_t)s : -(int32_t)(~s) - 1;
}

static int32_t saturate(int64_t v)
{
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}

static int count_leading_zeros(uint32_t u)
{
    int n = 0;
    while (n < 32 && !(u & 0x80000000u)) {
        u <<= 1;
        ++n;
    }
    return n;
}

/* log(x) for x >= 1 held with 12 integer bits; result with 5 integer bits (TFLM's
 * log_x_for_x_greater_than_or_equal_to_1<5, 12>: a rational approximation around sqrt(sqrt(2))). */
static int32_t log_q12_to_q5(int32_t x)
{
    enum { in_bits = 12, accum_bits = 6 };
    const int32_t log_2 = 1488522236, sqrt_sqrt_half = 1805811301, sqrt_half = 1518500250;
    const int32_t alpha_n = 117049297, alpha_d = 127690142, alpha_i = 1057819769, alpha_f = 638450708;
    const int32_t shifted_quarter = mf_fp_rescale(536870912, 0, accum_bits);

    const int a_headroom_plus_1 = count_leading_zeros((uint32_t)x);
    const int32_t r_a_tmp = mf_fp_mul_pot(x, a_headroom_plus_1 - 1);
    const int32_t r_a = mf_fp_mul_pot(mf_srdhm(r_a_tmp, sqrt_half), 1);
    const int32_t a_pow_2_adj = saturate((int64_t)mf_fp_mul_pot(in_bits - a_headroom_plus_1, 31 - accum_bits) +
                                         shifted_quarter);
    const int32_t z_b = mf_srdhm(x, sqrt_half);
    const int b_headroom = count_leading_zeros((uint32_t)z_b) - 1;
    const int32_t r_b = mf_fp_mul_pot(x, b_headroom);
    const int32_t b_pow_2_adj = saturate((int64_t)mf_fp_mul_pot(in_bits - b_headroom, 31 - accum_bits) -
                                         shifted_quarter);

    const int32_t r = r_a < r_b ? r_a : r_b;
    const int32_t pow_2_adj = a_pow_2_adj > b_pow_2_adj ? a_pow_2_adj : b_pow_2_adj;
    const int32_t p = mf_fp_rounding_half_sum(r, sqrt_sqrt_half);
    int32_t q = wrap_add(r, -sqrt_sqrt_half);
    q = wrap_add(q, q);
    const int32_t common_sq = mf_srdhm(q, q);
    const int32_t num = wrap_add(mf_srdhm(q, r), mf_srdhm(mf_srdhm(q, common_sq), alpha_n));
    const int32_t denom_minus_one = wrap_add(
        mf_srdhm(p, wrap_add(wrap_add(alpha_i, q), mf_srdhm(alpha_d, common_sq))), mf_srdhm(alpha_f, q));
    const int32_t recip_denom = mf_fp_one_over_one_plus_x(denom_minus_one);
    const int32_t num_scaled = mf_fp_rescale(num, 0, accum_bits);
    const int32_t sum = wrap_add(mf_srdhm(pow_2_adj, log_2), mf_srdhm(num_scaled, recip_denom));
    return mf_fp_rescale(sum, accum_bits, 5);
}

void mf_log_softmax_s8(const mf_log_softmax_s8_params *p, const int8_t *input, int8_t *output)
{
    for (int32_t i = 0; i < p->outer; ++i) {
        const int8_t *x = input + (size_t)i * (size_t)p->depth;
        int8_t *y = output + (size_t)i * (size_t)p->depth;
        int32_t max = -128;
        for (int32_t c = 0; c < p->depth; ++c) {
            max = x[c] > max ? x[c] : max;
        }
        int32_t sum_q12 = 0;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = x[c] - max;
            if (diff >= p->diff_min) {
                const int32_t diff_q5 = mf_mbqm(diff, p->input_multiplier, p->input_left_shift);
                sum_q12 = wrap_add(sum_q12, mf_fp_rescale(mf_fp_exp_on_negative_values(diff_q5, 5), 0, 12));
            }
        }
        const int32_t log_q5 = log_q12_to_q5(sum_q12);
        const int32_t shifted = wrap_add(log_q5, INT32_MIN);
        const int32_t scaled = mf_mbqm(shifted, p->reverse_scaling_divisor, -p->reverse_scaling_right_shift);
        const int32_t adjusted_diff_min = (p->diff_min - 1) > scaled ? (p->diff_min - 1) : scaled;
        for (int32_t c = 0; c < p->depth; ++c) {
            const int32_t diff = x[c] - max;
            if (diff > adjusted_diff_min) {
                const int32_t diff_q5 = mf_mbqm(diff, p->input_multiplier, p->input_left_shift);
                const int32_t v = mf_rdbpot(wrap_add(diff_q5, -log_q5), 31 - 5 - 4) + 127;
                y[c] = (int8_t)mf_clamp_i32(v, -128, 127);
            } else {
                y[c] = -128;
            }
        }
    }
}
