/* Private to the kernels: the float32 epilogue CONV_2D, DEPTHWISE_CONV_2D and FULLY_CONNECTED share. */
#ifndef MF_BIAS_ACT_F32_H
#define MF_BIAS_ACT_F32_H

/* dst = acc + bias[oc] (0 without a bias), clamped to the activation range; reads the kernel's
 * parameters p (fields bias, act_min, act_max). */
#define MF_BIAS_ACT_F32(dst, acc, oc)                     \
    do {                                                  \
        float v = (acc) + (p->bias ? p->bias[oc] : 0.0f); \
        v = v < p->act_min ? p->act_min : v;              \
        v = p->act_max < v ? p->act_max : v;              \
        (dst) = v;                                        \
    } while (0)

#endif /* MF_BIAS_ACT_F32_H */
