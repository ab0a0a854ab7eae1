"""Fixed-point multipliers: TFLM's ``QuantizeMultiplier`` family, bit for bit.

TFLM works on float32 scales promoted to double; callers pass Python floats built from float32
values (``float(np.float32(x))``), and use :func:`f32` where TFLM multiplies in float32 first.
"""

from __future__ import annotations

import math

import numpy as np

from codegen.wellformed import MalformedModelError, Rule

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


_F32_OVERFLOW = 2.0 ** 128 - 2.0 ** 103  # FLT_MAX plus half an ulp: from here float32 rounds to infinity


def f32(x: float) -> float:
    """Round to float32 and back: what a C ``float`` would hold (infinity past FLT_MAX, quietly)."""
    if abs(x) >= _F32_OVERFLOW:
        return math.copysign(math.inf, x)
    return float(np.float32(x))


def round_half_away(x: float) -> int:
    """``std::round``: halves go away from zero. A non-finite value (a bound divided by a scale so
    small that float32 overflows) has no integer: the model is refused."""
    if not math.isfinite(x):
        raise MalformedModelError.one(Rule.SCALE, f"a value quantised with it is {x!r} in float32, which no "
                                      "integer holds; a scale is too small")
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


# The kernels apply a multiplier's positive shift as a left shift of a 32-bit value (mf_mbqm in
# firmware/include/mcuforge/fixedpoint.h): 32 or more is undefined behaviour in C. (31 occurs in
# valid models: SOFTMAX's input multiplier clamps at 2^31 - 1 for large input scales.) Right shifts
# past 31 become TFLM's zero multiplier (below).
MAX_LEFT_SHIFT = 31


def _refuse(m: float, why: str) -> MalformedModelError:
    return MalformedModelError.one(Rule.MULTIPLIER, f"a fixed-point multiplier of {m!r} {why}; the model's "
                                   "scales are out of proportion to each other")


def quantize_multiplier(m: float) -> tuple[int, int]:
    """(q, shift) with m ~= q * 2**(shift - 31), q in [2**30, 2**31); TFLM's QuantizeMultiplier.

    Raises :class:`MalformedModelError` for a multiplier that is not finite or needs a left shift
    beyond :data:`MAX_LEFT_SHIFT` (a denormal output scale gives shifts past 100)."""
    if not math.isfinite(m):
        raise _refuse(m, "is not a number the kernels can represent")
    if m == 0.0:
        return 0, 0
    frac, shift = math.frexp(m)
    q = round_half_away(frac * (1 << 31))
    if q == (1 << 31) or q == -(1 << 31) and frac > 0:
        q //= 2
        shift += 1
    if shift < -31:
        shift, q = 0, 0
    if shift > MAX_LEFT_SHIFT:
        raise _refuse(m, f"needs a left shift of {shift} (the kernels take at most {MAX_LEFT_SHIFT}: more "
                      "overflows 32 bits, undefined behaviour in C)")
    return int(q), int(shift)


def quantize_multiplier_smaller_than_one_exp(m: float) -> tuple[int, int]:
    """TFLM's QuantizeMultiplierSmallerThanOneExp: (q, left_shift <= 0)."""
    if not 0.0 < m < 1.0:
        raise _refuse(m, "must lie in (0, 1) (TFLM's QuantizeMultiplierSmallerThanOneExp)")
    q, shift = quantize_multiplier(m)
    if shift > 0:
        raise _refuse(m, "rounds up to 1 (TFLM's QuantizeMultiplierSmallerThanOneExp needs a shift <= 0)")
    return q, shift


def quantize_multiplier_greater_than_one(m: float) -> tuple[int, int]:
    """TFLM's QuantizeMultiplierGreaterThanOne: (q, left_shift >= 0)."""
    if not m > 1.0:
        raise _refuse(m, "must be > 1 (TFLM's QuantizeMultiplierGreaterThanOne)")
    return quantize_multiplier(m)


# --- the run-time arithmetic, in Python, for tests and constant folding -------------------------

def saturating_rounding_doubling_high_mul(a: int, b: int) -> int:
    if a == b == INT32_MIN:
        return INT32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else (1 - (1 << 30))
    num = ab + nudge
    # C integer division truncates toward zero
    q = abs(num) // (1 << 31)
    return q if num >= 0 else -q


def rounding_divide_by_pot(x: int, exponent: int) -> int:
    mask = (1 << exponent) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> exponent) + (1 if remainder > threshold else 0)


def _wrap32(x: int) -> int:
    return ((x + (1 << 31)) % (1 << 32)) - (1 << 31)


def multiply_by_quantized_multiplier(x: int, q: int, shift: int) -> int:
    """TFLM's (double-rounding) MultiplyByQuantizedMultiplier."""
    left = shift if shift > 0 else 0
    right = 0 if shift > 0 else -shift
    return rounding_divide_by_pot(
        saturating_rounding_doubling_high_mul(_wrap32(x * (1 << left)), q), right)
