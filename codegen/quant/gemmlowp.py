"""gemmlowp fixed-point math in Python, bit for bit as TFLM runs it (int32 and int16 raw values).

A ``FixedPoint<int32, N>`` value is held as its raw int32 (real * 2**(31 - N)). These functions are
used at build time to tabulate int8 activations for every possible input (see :mod:`codegen.quant.lut`),
so they must reproduce TFLM's integer arithmetic exactly, including saturation and rounding.
"""

from __future__ import annotations

from codegen.quant.multiplier import (INT32_MAX, INT32_MIN, rounding_divide_by_pot,
                                      saturating_rounding_doubling_high_mul)

INT16_MIN, INT16_MAX = -(1 << 15), (1 << 15) - 1


def wrap32(x: int) -> int:
    return ((x + (1 << 31)) % (1 << 32)) - (1 << 31)


def srdhm(a: int, b: int) -> int:
    return saturating_rounding_doubling_high_mul(a, b)


def rdbpot(x: int, exponent: int) -> int:
    return rounding_divide_by_pot(x, exponent)


def mul_pot(x: int, exponent: int) -> int:
    """SaturatingRoundingMultiplyByPOT<exponent> on int32."""
    if exponent > 0:
        threshold = (1 << (31 - exponent)) - 1
        if x > threshold:
            return INT32_MAX
        if x < -threshold:
            return INT32_MIN
        return wrap32(x << exponent)
    if exponent < 0:
        return rdbpot(x, -exponent)
    return x


def rescale(x: int, src_bits: int, dst_bits: int) -> int:
    return mul_pot(x, src_bits - dst_bits)


def rounding_half_sum(a: int, b: int) -> int:
    s = a + b
    sign = 1 if s >= 0 else -1
    q = abs(s + sign) // 2  # C division truncates toward zero
    return q if s + sign >= 0 else -q


def _exp_quarter(a: int) -> int:
    """exp(a) for a in [-1/4, 0), Q0.31."""
    constant_term = 1895147668
    constant_1_over_3 = 715827883
    x = wrap32(a + (1 << 28))
    x2 = srdhm(x, x)
    x3 = srdhm(x2, x)
    x4 = srdhm(x2, x2)
    x4_over_4 = mul_pot(x4, -2)
    poly = mul_pot(wrap32(srdhm(wrap32(x4_over_4 + x3), constant_1_over_3) + x2), -1)
    return wrap32(constant_term + srdhm(constant_term, wrap32(x + poly)))


_BARREL = ((-2, 1672461947), (-1, 1302514674), (0, 790015084), (1, 290630308), (2, 39332535),
           (3, 720401), (4, 242))


def exp_on_negative_values(a: int, bits: int) -> int:
    """exp(a) for a <= 0 with `bits` integer bits; result Q0.31."""
    frac = 31 - bits
    one_quarter = 1 << (frac - 2)
    mask = one_quarter - 1
    a_mod = wrap32((a & mask) - one_quarter)
    result = _exp_quarter(rescale(a_mod, bits, 0))
    remainder = wrap32(a_mod - a)
    for exponent, multiplier in _BARREL:
        if bits > exponent:
            if remainder & (1 << (frac + exponent)):
                result = srdhm(result, multiplier)
    if bits > 5:
        if a < -(1 << (36 - bits)):
            result = 0
    if a == 0:
        result = INT32_MAX
    return result


def _newton_reciprocal(half_denominator: int) -> int:
    """The shared Newton-Raphson loop: x ~ 1 / half_denominator, Q2.29."""
    x = wrap32(1515870810 + srdhm(half_denominator, -1010580540))
    for _ in range(3):
        half_denominator_times_x = srdhm(half_denominator, x)
        one_minus = wrap32((1 << 29) - half_denominator_times_x)
        x = wrap32(x + rescale(srdhm(x, one_minus), 4, 2))
    return x


def one_over_one_plus_x(a: int) -> int:
    """1 / (1 + a) for a in [0, 1), Q0.31 in and out."""
    x = _newton_reciprocal(rounding_half_sum(a, INT32_MAX))
    return rescale(x, 1, 0)  # ExactMulByPot<-1> then Rescale<0>


def one_minus_x_over_one_plus_x(a: int) -> int:
    """(1 - a) / (1 + a) for a in [0, 1), Q0.31 in and out."""
    x = _newton_reciprocal(rounding_half_sum(a, INT32_MAX))
    return rescale(wrap32(x - (1 << 29)), 2, 0)


def logistic(a: int, bits: int) -> int:
    """gemmlowp logistic of a FixedPoint<int32, bits>; result Q0.31."""
    if a == 0:
        return 1 << 30
    abs_a = a if a > 0 else wrap32(-a)
    positive = one_over_one_plus_x(exp_on_negative_values(wrap32(-abs_a), bits))
    return positive if a > 0 else wrap32(INT32_MAX - positive)


def tanh(a: int, bits: int) -> int:
    """gemmlowp tanh of a FixedPoint<int32, bits>; result Q0.31."""
    if a == 0:
        return 0
    n = a if a < 0 else wrap32(-a)
    t = one_minus_x_over_one_plus_x(exp_on_negative_values(n, bits + 1))
    return wrap32(-t) if a < 0 else t


# --- int16 raw values (HARD_SWISH) -------------------------------------------------------------

def wrap16(x: int) -> int:
    return ((x + (1 << 15)) % (1 << 16)) - (1 << 15)


def srdhm16(a: int, b: int) -> int:
    """gemmlowp SaturatingRoundingDoublingHighMul on int16."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    nudge = (1 << 14) if ab >= 0 else (1 - (1 << 14))
    num = ab + nudge
    q = abs(num) // (1 << 15)
    return wrap16(q if num >= 0 else -q)


def sdhm16(a: int, b: int) -> int:
    """SaturatingDoublingHighMul on int16: like srdhm16, truncating toward zero (SQDMULH)."""
    if a == b == INT16_MIN:
        return INT16_MAX
    ab = a * b
    q = abs(ab) // (1 << 15)
    return wrap16(q if ab >= 0 else -q)


def rdbpot16(x: int, exponent: int) -> int:
    """gemmlowp RoundingDivideByPOT on int16 (0 <= exponent <= 15)."""
    mask = wrap16((1 << exponent) - 1)
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return wrap16((x >> exponent) + (1 if remainder > threshold else 0))


def saturating_left_shift16(value: int, amount: int) -> int:
    return max(INT16_MIN, min(INT16_MAX, value * (1 << amount)))
