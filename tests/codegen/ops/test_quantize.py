"""QUANTIZE and DEQUANTIZE against TFLM's interpreter.

* Models converted with float32 inputs and outputs (as deployed models often are): the converter
  puts QUANTIZE float32 -> int8/int16 after the input and DEQUANTIZE before the output. They are
  calibrated on [-0.5, 0.5] and fed [-1, 1], so QUANTIZE saturates too.
* Hand-built QUANTIZE between integer types (TFLM's Requantize: int8 -> int8 as a table,
  int8 <-> int16, int16 -> int16) and DEQUANTIZE, with unequal scales and zero points, on every
  value of the input type; QUANTIZE from float32 on exact rounding ties (x / scale = k + 1/2,
  which TFLM rounds away from zero) beyond the saturation limits.

Float tolerance: 0. DEQUANTIZE is exact (TFLM's double product of a float scale and an integer
below 2^17 rounds once to float, as the kernel's float product does); the float outputs of the
converted models come straight out of a DEQUANTIZE.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.compare import compare_bytes, compare_inputs
from support.tflite_build import Spec, every_value, single_op
from support.tflite_edit import ops_of
from support.tfmodels import Case, convert_float_io


def _float_io_case() -> Case:
    def build(tf):
        k = tf.keras.ops
        a = tf.keras.Input((4, 6, 5), batch_size=1)
        b = tf.keras.Input((6, 5), batch_size=1)
        return tf.keras.Model([a, b], [a + b, k.sigmoid(a * 4.0)])
    return Case("quantize_float_io_add_logistic", build, ((4, 6, 5), (6, 5)), low=-0.5, high=0.5)


@pytest.mark.parametrize("mode", ["int8", "int16x8"])
def test_float_io_boundary_quantize_dequantize(mode: str) -> None:
    model = convert_float_io(_float_io_case(), mode)
    assert len(ops_of(model, "QUANTIZE")) >= 2 and len(ops_of(model, "DEQUANTIZE")) == 2
    r = compare_bytes(model, f"float_io_{mode}", samples=20)
    assert r.exact, r


S8 = (1, 256)
S16 = (1, 65536)


@pytest.mark.parametrize("opcode,inp,out", [
    pytest.param("QUANTIZE", Spec(S8, "int8", 0.02, 5), Spec(S8, "int8", 0.031, -7), id="requantize_s8_s8"),
    pytest.param("QUANTIZE", Spec(S8, "int8", 0.02, 3), Spec(S8, "int16", 1e-4, 0), id="requantize_s8_s16"),
    pytest.param("QUANTIZE", Spec(S16, "int16", 3e-4, 0), Spec(S16, "int8", 0.01, 4), id="requantize_s16_s8"),
    pytest.param("QUANTIZE", Spec(S16, "int16", 3e-4, 0), Spec(S16, "int16", 1.3e-4, 0), id="requantize_s16_s16"),
    pytest.param("DEQUANTIZE", Spec(S8, "int8", 0.0173, -13), Spec(S8, "float32"), id="dequantize_s8_f32"),
    pytest.param("DEQUANTIZE", Spec(S16, "int16", 3.7e-4, 0), Spec(S16, "float32"), id="dequantize_s16_f32"),
])
def test_requantize_dequantize_every_value(opcode: str, inp: Spec, out: Spec) -> None:
    model = single_op(opcode, [inp], [out])
    r = compare_inputs(model, opcode.lower(), every_value(inp))
    assert r.exact, r


@pytest.mark.parametrize("out", [
    pytest.param(Spec((1, 1800), "int8", 0.25, 9), id="quantize_f32_s8_pot_scale_ties_saturating"),
    pytest.param(Spec((1, 1800), "int8", 0.0031, -4), id="quantize_f32_s8_near_ties_saturating"),
    pytest.param(Spec((1, 1800), "int16", 2.0 ** -7, 0), id="quantize_f32_s16_pot_scale_ties"),
    pytest.param(Spec((1, 1800), "int16", 3.7e-4, 0), id="quantize_f32_s16_near_ties"),
    pytest.param(Spec((1, 1800), "int16", 2.0 ** -16, -5), id="quantize_f32_s16_ties_saturating"),
])
def test_quantize_float_rounding_ties(out: Spec) -> None:
    """Inputs float32((k + 1/2) * scale), k in [-300, 300), and their float neighbours: exact ties for
    power-of-two scales (TFLM rounds them away from zero), and quotients within an ulp of a tie
    otherwise (a division, not a multiplication by the reciprocal, decides them)."""
    x = ((np.arange(-300, 300) + 0.5) * np.float64(np.float32(out.scale))).astype(np.float32)
    x = np.concatenate([x, np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))])
    model = single_op("QUANTIZE", [Spec(out.shape, "float32")], [out])
    r = compare_inputs(model, "quantize_ties", [[x], [-x]])
    assert r.exact, r
    r = compare_bytes(model, "quantize_random", samples=5)
    assert r.exact, r
