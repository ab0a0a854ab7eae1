"""Fixed-point multipliers: TFLM's ``QuantizeMultiplier`` family, bit for bit.

TFLM works on float32 scales promoted to double; callers pass Python floats built from float32
values (``float(np.float32(x))``), and use :func:`f32` where TFLM multiplies in float32 first.
"""

from __future__ import annotations

import math

import numpy as np

INT32_MIN = -(1 << 31)
INT32_MAX = (1 << 31) - 1


def f32(x: float) -> float:
    """Round to float32 and back: what a C ``float`` would hold."""
    return float(np.float32(x))


def round_half_away(x: float) -> int:
    """``std::round``: halves go away from zero."""
    return int(math.floor(abs(x) + 0.5)) * (1 if x >= 0 else -1)


def quantize_multiplier(m: float) -> tuple[int, int]:
    """(q, shift) with m ~= q * 2**(shift - 31), q in [2**30, 2**31); TFLM's QuantizeMultiplier."""
    if m == 0.0:
        return 0, 0
    frac, shift = math.frexp(m)
    q = round_half_away(frac * (1 << 31))
    if abs(q) > (1 << 31):
        raise ValueError(f"multiplier {m!r} does not round into 32 bits")
    if q == (1 << 31) or q == -(1 << 31) and frac > 0:
        q //= 2
        shift += 1
    if shift < -31:
        shift, q = 0, 0
    return int(q), int(shift)


def quantize_multiplier_smaller_than_one_exp(m: float) -> tuple[int, int]:
    """TFLM's QuantizeMultiplierSmallerThanOneExp: (q, left_shift <= 0)."""
    if not 0.0 < m < 1.0:
        raise ValueError(f"multiplier {m!r} must be in (0, 1)")
    q, shift = quantize_multiplier(m)
    if shift > 0:
        raise ValueError(f"multiplier {m!r} gave a positive shift {shift}")
    return q, shift


def quantize_multiplier_greater_than_one(m: float) -> tuple[int, int]:
    if not m > 1.0:
        raise ValueError(f"multiplier {m!r} must be > 1")
    q, shift = quantize_multiplier(m)
    if shift < 0:
        raise ValueError(f"multiplier {m!r} gave a negative shift {shift}")
    return q, shift


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
