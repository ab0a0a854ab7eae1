"""Per-op quantisation parameters refuse scales they cannot use (a model broken past the validator
still gets a clean error, never a ZeroDivisionError or OverflowError)."""

from __future__ import annotations

import math

import pytest

from codegen.ir import DType, Quant
from codegen.quant.params import activation_range_quantized, quantize_value
from codegen.wellformed import MalformedModelError


def test_activation_bounds_of_a_tiny_scale_are_refused():
    """6.0 / 1e-38 overflows float32: TFLM's std::round of inf cast to int is undefined."""
    with pytest.raises(MalformedModelError):
        activation_range_quantized("RELU6", Quant(scale=(1e-38,), zero_point=(0,)), DType.INT8)


@pytest.mark.parametrize("scale", [0.0, -1.0, math.nan])
def test_quantize_value_refuses_a_scale_it_cannot_divide_by(scale):
    with pytest.raises(MalformedModelError):
        quantize_value(6.0, Quant(scale=(scale,), zero_point=(0,)))
