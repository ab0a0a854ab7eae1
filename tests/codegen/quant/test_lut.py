"""The int8 LOGISTIC/TANH tables (TFLM's fixed-point arithmetic) against the functions they stand for:
within one output step of the float result, monotone, saturated beyond the input radius."""

from __future__ import annotations

import math

import numpy as np
import pytest

from codegen.ir import Quant
from codegen.ops.activations import sigmoid_s8_params
from codegen.quant.lut import logistic_s8, tanh_s8

# (table, the float function, TFLite's fixed output quantisation: scale, zero point)
FUNCTIONS = {
    "logistic": (logistic_s8, lambda x: 1.0 / (1.0 + math.exp(-x)), 1.0 / 256, -128),
    "tanh": (tanh_s8, math.tanh, 1.0 / 128, 0),
}


@pytest.mark.parametrize("scale, zp", [(0.1, 0), (0.05, -20), (0.02, 37)])
@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_table_follows_the_function(name: str, scale: float, zp: int):
    table_of, fn, out_scale, out_zp = FUNCTIONS[name]
    p = sigmoid_s8_params(Quant(scale=(float(np.float32(scale)),), zero_point=(zp,)))
    table = table_of(p).astype(np.int64)
    q = np.arange(-128, 128)
    # table_s8 is indexed by the input's byte: q & 0xff
    values = table[q & 0xFF]
    want = np.array([min(127, max(-128, round(fn(scale * (int(v) - zp)) / out_scale) + out_zp)) for v in q])
    assert np.abs(values - want).max() <= 1
    assert (np.diff(values) >= 0).all()
    beyond = np.abs(q - zp) >= p.radius
    assert (values[beyond] == np.where(q[beyond] > zp, 127, -128)).all()
