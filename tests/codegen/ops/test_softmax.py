"""SOFTMAX against TFLM's interpreter: int8 -> int8 and int16 -> int16 (bit-exact), float32.

Keras cases: rank 2 with depth 11 and rank 4 with an odd depth of 7 (softmax over the last axis),
calibrated on [-6, 6] so that rows mix saturated and small exponentials. Hand-built cases cover
beta != 1 (the converter always writes beta = 1) and int16 input scales that need a left shift.

Float tolerance: FLOAT_TOL = 1e-6 relative to max(1, |output|) (outputs are in [0, 1]). The kernel
follows TFLM's order exactly (row max, expf of (x - max) * beta, sum in order, divide), so the
host build is identical (max diff 0.0 here); the tolerance leaves room for another libm's expf
differing in the last bit (float32 ulp of values below 1 is at most 6e-8, summed over <= 11 terms).
"""

from __future__ import annotations

import pytest

from support.compare import compare_bytes
from support.tflite_build import Spec, single_op
from support.tflite_edit import ops_of
from support.tfmodels import Case, convert

FLOAT_TOL = 1e-6
ALL = ("int8", "int16x8", "float32")


def _case(name: str, shape: tuple[int, ...]) -> Case:
    def build(tf):
        x = tf.keras.Input(shape, batch_size=1)
        return tf.keras.Model(x, tf.keras.layers.Softmax(axis=-1)(x))
    return Case(name, build, (shape,), params={"shape": shape}, low=-6.0, high=6.0)


CASES = [_case("softmax_rank2_depth11", (11,)), _case("softmax_rank4_odd_depth7", (3, 5, 7))]


@pytest.mark.parametrize("case,mode", [pytest.param(c, m, id=f"{c.name}-{m}") for c in CASES for m in ALL])
def test_softmax_matches_tflm(case: Case, mode: str) -> None:
    model = convert(case, mode)
    assert len(ops_of(model, "SOFTMAX")) == 1
    r = compare_bytes(model, case.name, samples=20, float_tol=FLOAT_TOL)
    assert r.exact, r


@pytest.mark.parametrize("dtype,in_scale,in_zp,out_scale,out_zp,beta", [
    pytest.param("int8", 0.09, 4, 1.0 / 256, -128, 0.37, id="s8_beta0.37"),
    pytest.param("int8", 0.02, -11, 1.0 / 256, -128, 2.5, id="s8_beta2.5"),
    pytest.param("int16", 3.1e-4, 0, 1.0 / 32768, 0, 0.37, id="s16_beta0.37"),
    pytest.param("int16", 1.5e-5, 0, 1.0 / 32768, 0, 2.5, id="s16_beta2.5_small_scale"),
    pytest.param("float32", None, 0, None, 0, 0.37, id="f32_beta0.37"),
])
def test_softmax_beta(dtype: str, in_scale: float | None, in_zp: int, out_scale: float | None, out_zp: int,
                      beta: float) -> None:
    shape = (1, 6, 13)
    model = single_op("SOFTMAX", [Spec(shape, dtype, in_scale, in_zp)], [Spec(shape, dtype, out_scale, out_zp)],
                      "SoftmaxOptions", beta=beta)
    r = compare_bytes(model, f"softmax_{dtype}_beta", samples=20, float_tol=FLOAT_TOL)
    assert r.exact, r


@pytest.mark.parametrize("scale,zp", [(0.1, 3), (0.02, -128), (0.9, 10)])
def test_int8_to_int16(scale: float, zp: int) -> None:
    """int8 -> int16 SOFTMAX (output scale 1/65536, zero point -32768, TFLM's only int16 output for an
    int8 input), written directly: the converter emits int8 or int16x8 softmaxes only."""
    import numpy as np

    from support.compare import compare_inputs
    from support.tflite_build import Spec, single_op

    model = single_op("SOFTMAX", [Spec((1, 16, 16), "int8", scale, zp)], [Spec((1, 16, 16), "int16", 1 / 65536, -32768)],
                      "SoftmaxOptions", beta=1.0)
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 16, 16)
    rng = np.random.default_rng(14)
    r = compare_inputs(model, "softmax_s8_s16", [[x], [rng.permutation(x.reshape(-1)).reshape(x.shape)]])
    assert r.exact, r
