"""TFLM's QuantizeMultiplier family, bit for bit where TFLM defines it, and a clean refusal where it
does not: no ValueError, OverflowError or ZeroDivisionError for any float, and never a shift the
kernels cannot apply (a left shift of 32 or more is undefined behaviour in C)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from codegen.quant.multiplier import (MAX_LEFT_SHIFT, quantize_multiplier, quantize_multiplier_greater_than_one,
                                      quantize_multiplier_smaller_than_one_exp, round_half_away)
from codegen.wellformed import MalformedModelError, Rule


@pytest.mark.parametrize("m, expected", [
    (0.5, (1 << 30, 0)), (0.25, (1 << 30, -1)), (1.0, (1 << 30, 1)), (3.0, (3 << 29, 2)),
    (0.0, (0, 0)), (2.0 ** -40, (0, 0)),  # past a right shift of 31: TFLM's zero multiplier
    (2147483647.0, (2147483647, 31)),     # SOFTMAX's clamped input multiplier: the largest shift taken
])
def test_known_values(m, expected):
    assert quantize_multiplier(m) == expected


@pytest.mark.parametrize("m", [math.nan, math.inf, -math.inf, 2.0 ** 31, 1e35, 3.4e38 / 1e-38])
def test_out_of_range_is_refused_not_undefined(m):
    with pytest.raises(MalformedModelError) as e:
        quantize_multiplier(m)
    assert e.value.rules == {Rule.MULTIPLIER}


def test_every_float_gives_a_kernel_shift_or_a_refusal():
    rng = np.random.default_rng(7)
    values = np.concatenate([rng.standard_normal(2000) * 10.0 ** rng.integers(-45, 45, 2000),
                             [np.float32(x) for x in (1e-45, 1.4e-45, 1.17e-38, 3.4e38)]])
    for m in values:
        try:
            q, shift = quantize_multiplier(float(m))
        except MalformedModelError:
            continue
        assert -31 <= shift <= MAX_LEFT_SHIFT and abs(q) < 1 << 31


@pytest.mark.parametrize("m", [0.0, 1.0, 1.5, -0.5, math.nan, 0.99999999999])
def test_smaller_than_one_refuses_outside_its_domain(m):
    with pytest.raises(MalformedModelError):
        quantize_multiplier_smaller_than_one_exp(m)


@pytest.mark.parametrize("m", [1.0, 0.5, -2.0, math.nan, 1e20])
def test_greater_than_one_refuses_outside_its_domain(m):
    with pytest.raises(MalformedModelError):
        quantize_multiplier_greater_than_one(m)


def test_round_half_away():
    assert [round_half_away(x) for x in (0.5, -0.5, 1.49, -2.5)] == [1, -1, 1, -3]
    for x in (math.inf, -math.inf, math.nan):
        with pytest.raises(MalformedModelError, match="too small"):
            round_half_away(x)
