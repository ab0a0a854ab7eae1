/*
 * The Cortex-M DSP-extension instructions the dsp kernels use, as static inline functions.
 *
 * With __ARM_FEATURE_DSP (Cortex-M4/M7/M33/M55 built with their DSP extension) each maps to one
 * instruction: ACLE intrinsics from <arm_acle.h> where ACLE has one, a one-instruction asm
 * otherwise (SXTB16 with a rotation, SMMULR, LDRD with write-back). Without it (the host, or a
 * core without DSP) each is portable C with the same result bit for bit, so the dsp kernels compile
 * and are tested on the host too.
 *
 * Lane notation: a 32-bit word holds two signed 16-bit lanes, lo = bits 0..15, hi = bits 16..31.
 *   mf_sxtb16(x)        lanes = sign-extended bytes 0 and 2 of x
 *   mf_sxtb16_ror8(x)   lanes = sign-extended bytes 1 and 3 of x
 *   mf_sxtab16(a, x)    lanes = a.lanes + sign-extended bytes 0 and 2 of x (16-bit wrap per lane)
 *   mf_smlad(a, b, acc) acc + a.lo * b.lo + a.hi * b.hi (32-bit wrap; SMLAD sets the Q flag on
 *                       overflow, which nothing here reads)
 *   mf_smladx(a, b, acc) acc + a.lo * b.hi + a.hi * b.lo (SMLADX: the lanes of b exchanged)
 *   mf_smlabb/bt/tb/tt  acc + a.{lo,hi} * b.{lo,hi} (b = bottom = lo, t = top = hi)
 *   mf_smulbb/tt(a, b)  a.lo * b.lo, a.hi * b.hi
 *   mf_sadd16(a, b)     lanes a + b (16-bit wrap per lane)
 *   mf_smmulr(a, b)     (a * b + 2^31) >> 32, the high word of the rounded 64-bit product
 *   mf_smmlar(a, b, c)  c + ((a * b + 2^31) >> 32) (32-bit wrap), one SMMLAR
 *   mf_smmla(a, b, c)   c + ((a * b) >> 32) (32-bit wrap), one SMMLA
 *   mf_ssat8(x)         x saturated to [-128, 127]; mf_ssat16, mf_ssat24 likewise
 *   mf_ssat8_half(x), mf_ssat16_half(x)   (x >> 1) saturated (one SSAT with ASR #1)
 *   mf_f32_trunc2(x)    trunc(2 * x) as int32, saturated to int32, NaN -> 0: one VCVT.S32.F32 to
 *                       fixed point with one fraction bit, and a VMOV (cores with a single-precision
 *                       FPU; portable C otherwise, chosen by __ARM_FP, independently of the DSP
 *                       extension)
 *   mf_f32_trunc2_s16(x) the same saturated to [-32768, 32767] (VCVT.S16.F32, sign-extended)
 *   mf_f32_fix15(x)     trunc(x * 2^15) as int32, saturated to int32, NaN -> 0 (VCVT.S32.F32 #15)
 *   mf_qadd(a, b)       a + b saturated to int32 (QADD)
 *   mf_ldrd_inc(&p)     two words from an 8-byte aligned p; p += 2
 *   mf_read32(p)        4 bytes from any address (little-endian), as a word
 */
#ifndef MCUFORGE_DSP_H
#define MCUFORGE_DSP_H

#include <stdint.h>
#include <string.h>

typedef struct {
    int32_t a, b;
} mf_pair32;

static inline uint32_t mf_read32(const int8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

#if defined(__ARM_FEATURE_DSP) && __ARM_FEATURE_DSP

#include <arm_acle.h>

#define MF_DSP_NATIVE 1

static inline int32_t mf_sxtb16(uint32_t x) { return (int32_t)__sxtb16(x); }
static inline int32_t mf_sxtb16_ror8(uint32_t x)
{
    int32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t mf_sxtab16(int32_t a, uint32_t x) { return (int32_t)__sxtab16((uint32_t)a, x); }
static inline int32_t mf_sxtab16_ror8(int32_t a, uint32_t x)
{
    int32_t r;
    __asm__("sxtab16 %0, %1, %2, ror #8" : "=r"(r) : "r"(a), "r"(x));
    return r;
}
static inline int32_t mf_smlad(int32_t a, int32_t b, int32_t acc) { return __smlad(a, b, acc); }
static inline int32_t mf_smladx(int32_t a, int32_t b, int32_t acc) { return __smladx(a, b, acc); }
static inline int32_t mf_smlabb(int32_t a, int32_t b, int32_t acc) { return __smlabb(a, b, acc); }
static inline int32_t mf_smulbb(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smulbb %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t mf_sadd16(int32_t a, int32_t b) { return (int32_t)__sadd16((uint32_t)a, (uint32_t)b); }
static inline int32_t mf_smultt(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smultt %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t mf_smlabt(int32_t a, int32_t b, int32_t acc) { return __smlabt(a, b, acc); }
static inline int32_t mf_smlatb(int32_t a, int32_t b, int32_t acc) { return __smlatb(a, b, acc); }
static inline int32_t mf_smlatt(int32_t a, int32_t b, int32_t acc) { return __smlatt(a, b, acc); }
static inline int32_t mf_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}
static inline int32_t mf_smmlar(int32_t a, int32_t b, int32_t c)
{
    int32_t r;
    __asm__("smmlar %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
}
static inline int32_t mf_smmla(int32_t a, int32_t b, int32_t c)
{
    int32_t r;
    __asm__("smmla %0, %1, %2, %3" : "=r"(r) : "r"(a), "r"(b), "r"(c));
    return r;
}
static inline int32_t mf_qadd(int32_t a, int32_t b) { return __qadd(a, b); }
static inline int32_t mf_ssat8(int32_t x) { return __ssat(x, 8); }
static inline int32_t mf_ssat16(int32_t x) { return __ssat(x, 16); }
static inline int32_t mf_ssat24(int32_t x) { return __ssat(x, 24); }
static inline int32_t mf_ssat8_half(int32_t x)
{
    int32_t r;
    __asm__("ssat %0, #8, %1, asr #1" : "=r"(r) : "r"(x));
    return r;
}
static inline int32_t mf_ssat16_half(int32_t x)
{
    int32_t r;
    __asm__("ssat %0, #16, %1, asr #1" : "=r"(r) : "r"(x));
    return r;
}
static inline mf_pair32 mf_ldrd_inc(const int32_t **p)
{
    mf_pair32 r;
    __asm__("ldrd %0, %1, [%2], #8" : "=r"(r.a), "=r"(r.b), "+r"(*p) : "m"(*(const int32_t(*)[2])*p));
    return r;
}

#else /* portable C, identical results */

#define MF_DSP_NATIVE 0

static inline int32_t mf_lo16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x & 0xFFFFu); }
static inline int32_t mf_hi16(int32_t x) { return (int16_t)(uint16_t)((uint32_t)x >> 16); }
static inline int32_t mf_lanes(int32_t lo, int32_t hi)
{
    return (int32_t)(((uint32_t)lo & 0xFFFFu) | ((uint32_t)hi << 16));
}
static inline int32_t mf_sxtb16(uint32_t x) { return mf_lanes((int8_t)(x & 0xFFu), (int8_t)((x >> 16) & 0xFFu)); }
static inline int32_t mf_sxtb16_ror8(uint32_t x) { return mf_sxtb16((x >> 8) | (x << 24)); }
static inline int32_t mf_sxtab16(int32_t a, uint32_t x)
{
    const int32_t b = mf_sxtb16(x);
    return mf_lanes(mf_lo16(a) + mf_lo16(b), mf_hi16(a) + mf_hi16(b));
}
static inline int32_t mf_sxtab16_ror8(int32_t a, uint32_t x) { return mf_sxtab16(a, (x >> 8) | (x << 24)); }
static inline int32_t mf_wrap_add(int32_t acc, int64_t v) { return (int32_t)(uint32_t)((uint64_t)(int64_t)acc + (uint64_t)v); }
static inline int32_t mf_smlad(int32_t a, int32_t b, int32_t acc)
{
    return mf_wrap_add(acc, (int64_t)mf_lo16(a) * mf_lo16(b) + (int64_t)mf_hi16(a) * mf_hi16(b));
}
static inline int32_t mf_smladx(int32_t a, int32_t b, int32_t acc)
{
    return mf_wrap_add(acc, (int64_t)mf_lo16(a) * mf_hi16(b) + (int64_t)mf_hi16(a) * mf_lo16(b));
}
static inline int32_t mf_smlabb(int32_t a, int32_t b, int32_t acc) { return mf_wrap_add(acc, mf_lo16(a) * mf_lo16(b)); }
static inline int32_t mf_smulbb(int32_t a, int32_t b) { return mf_lo16(a) * mf_lo16(b); }
static inline int32_t mf_sadd16(int32_t a, int32_t b) { return mf_lanes(mf_lo16(a) + mf_lo16(b), mf_hi16(a) + mf_hi16(b)); }
static inline int32_t mf_smultt(int32_t a, int32_t b) { return mf_hi16(a) * mf_hi16(b); }
static inline int32_t mf_smlabt(int32_t a, int32_t b, int32_t acc) { return mf_wrap_add(acc, mf_lo16(a) * mf_hi16(b)); }
static inline int32_t mf_smlatb(int32_t a, int32_t b, int32_t acc) { return mf_wrap_add(acc, mf_hi16(a) * mf_lo16(b)); }
static inline int32_t mf_smlatt(int32_t a, int32_t b, int32_t acc) { return mf_wrap_add(acc, mf_hi16(a) * mf_hi16(b)); }
static inline int32_t mf_smmulr(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
}
static inline int32_t mf_smmlar(int32_t a, int32_t b, int32_t c)
{
    return (int32_t)((uint32_t)c + (uint32_t)mf_smmulr(a, b));
}
static inline int32_t mf_smmla(int32_t a, int32_t b, int32_t c)
{
    return (int32_t)((uint32_t)c + (uint32_t)(int32_t)(((int64_t)a * (int64_t)b) >> 32));
}
static inline int32_t mf_qadd(int32_t a, int32_t b)
{
    const int64_t v = (int64_t)a + b;
    return v > INT32_MAX ? INT32_MAX : (v < INT32_MIN ? INT32_MIN : (int32_t)v);
}
static inline int32_t mf_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
static inline int32_t mf_ssat16(int32_t x) { return x < -32768 ? -32768 : (x > 32767 ? 32767 : x); }
static inline int32_t mf_ssat24(int32_t x)
{
    return x < -(1 << 23) ? -(1 << 23) : (x > (1 << 23) - 1 ? (1 << 23) - 1 : x);
}
static inline int32_t mf_ssat8_half(int32_t x) { return mf_ssat8(x >> 1); }
static inline int32_t mf_ssat16_half(int32_t x) { return mf_ssat16(x >> 1); }
static inline mf_pair32 mf_ldrd_inc(const int32_t **p)
{
    mf_pair32 r;
    r.a = (*p)[0];
    r.b = (*p)[1];
    *p += 2;
    return r;
}

#endif

#if defined(__ARM_FP) && (__ARM_FP & 4)
static inline int32_t mf_f32_trunc2(float x)
{
    int32_t r;
    __asm__("vcvt.s32.f32 %1, %1, #1\n\tvmov %0, %1" : "=r"(r), "+t"(x));
    return r;
}
static inline int32_t mf_f32_trunc2_s16(float x)
{
    int32_t r;
    __asm__("vcvt.s16.f32 %1, %1, #1\n\tvmov %0, %1" : "=r"(r), "+t"(x));
    return r;
}
static inline int32_t mf_f32_fix15(float x)
{
    int32_t r;
    __asm__("vcvt.s32.f32 %1, %1, #15\n\tvmov %0, %1" : "=r"(r), "+t"(x));
    return r;
}
#else
static inline int32_t mf_f32_trunc2_sat(float x, float limit, int32_t lo, int32_t hi)
{
    if (x != x) {
        return 0;
    }
    if (x >= limit) {
        return hi;
    }
    if (x <= -limit) {
        return lo;
    }
    return (int32_t)(x * 2.0f); /* exact: a power-of-two scaling, |2x| < 2 * limit */
}
static inline int32_t mf_f32_trunc2(float x) { return mf_f32_trunc2_sat(x, 1073741824.0f, INT32_MIN, INT32_MAX); }
static inline int32_t mf_f32_trunc2_s16(float x) { return mf_f32_trunc2_sat(x, 16384.0f, INT16_MIN, INT16_MAX); }
static inline int32_t mf_f32_fix15(float x)
{
    if (x != x) {
        return 0;
    }
    if (x >= 65536.0f) {
        return INT32_MAX;
    }
    if (x <= -65536.0f) {
        return INT32_MIN;
    }
    return (int32_t)(x * 32768.0f); /* exact: a power-of-two scaling, |x| < 2^16 */
}
#endif

#endif /* MCUFORGE_DSP_H */
