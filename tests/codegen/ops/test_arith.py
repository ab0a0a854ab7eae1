"""DIV, FLOOR_DIV, FLOOR_MOD and SQUARED_DIFFERENCE against TFLM.

TensorFlow-made: the four float32 ops with broadcasting (DIV with each fused activation the
converter fuses), int8 DIV and SQUARED_DIFFERENCE (inputs quantised differently, divisors kept
away from zero: TFLM's int8 DIV is undefined there), int16x8 SQUARED_DIFFERENCE. Written directly
(support.tflite_build): int32 DIV and SQUARED_DIFFERENCE (the converter keeps int32 arithmetic out
of Keras models), int8 DIV on every (dividend, non-zero divisor) pair, int16 SQUARED_DIFFERENCE on
large differences (the int32 square wraps in TFLM), and what TFLM refuses.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.tflite.schema import fb
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Op, Spec, graph, single_op
from support.tflite_edit import ops_of
from support.tfmodels import convert

FLOAT_OPS = ("DIV", "FLOOR_DIV", "FLOOR_MOD", "SQUARED_DIFFERENCE")


def _float_four(tf, a, b):
    m = tf.math
    d = m.abs(b) + 0.25
    return [tf.nn.relu(m.divide(a, d)), m.floordiv(a * 4.0, b), m.floormod(a * 4.0, b),
            m.squared_difference(a, b)]


@pytest.mark.parametrize("shapes", [pytest.param(((3, 4, 5), (3, 4, 5)), id="same_shape"),
                                    pytest.param(((3, 4, 5), (1, 5)), id="broadcast")])
def test_float32_tf_model(shapes) -> None:
    model = convert(lambda_case(f"arith_f32_{len(shapes[1])}", _float_four, shapes), "float32")
    for opcode in FLOAT_OPS:
        assert ops_of(model, opcode), opcode
    r = compare_bytes(model, "arith_f32", samples=10)
    assert r.exact, r


def _div_sqdiff(tf, a, b):
    return [tf.math.divide(a, tf.math.abs(b) + 0.5), tf.math.squared_difference(a, b * 3.0)]


@pytest.mark.parametrize("mode,ops", [pytest.param("int8", ("DIV", "SQUARED_DIFFERENCE"), id="int8"),
                                      pytest.param("int16x8", ("SQUARED_DIFFERENCE",), id="int16x8")])
def test_quantised_tf_model(mode: str, ops: tuple[str, ...]) -> None:
    fn = _div_sqdiff if mode == "int8" else (lambda tf, a, b: tf.math.squared_difference(a, b * 3.0))
    model = convert(lambda_case(f"arith_q_{'_'.join(o.lower() for o in ops)}", fn, ((3, 4, 5), (1, 5))), mode)
    for opcode in ops:
        assert ops_of(model, opcode), opcode
    r = compare_bytes(model, f"arith_{mode}", samples=10)
    assert r.exact, r


VALUES = np.arange(-128, 128, dtype=np.int8)


@pytest.mark.parametrize("q1,q2,qo,act", [
    pytest.param((0.05, 3), (0.07, -10), (0.1, -2), "NONE", id="div_s8_mixed"),
    pytest.param((0.5, 0), (0.002, 5), (1.7, 10), "RELU", id="div_s8_relu_large_quotients"),
    pytest.param((0.01, -128), (0.3, 127), (0.0004, -128), "RELU6", id="div_s8_relu6_saturating"),
])
def test_div_int8_every_pair(q1, q2, qo, act) -> None:
    """Every dividend with every divisor but the zero point (a zero divisor is undefined in TFLM)."""
    divisors = VALUES[VALUES != q2[1]]
    model = single_op("DIV", [Spec((1, 256, 1), "int8", *q1), Spec((1, 1, divisors.size), "int8", *q2)],
                      [Spec((1, 256, divisors.size), "int8", *qo)], "DivOptions",
                      fusedActivationFunction=getattr(fb.ActivationFunctionType, act))
    r = compare_inputs(model, "div_pairs", [[VALUES.reshape(1, 256, 1), divisors.reshape(1, 1, -1)]])
    assert r.exact, r


def test_int32_div_and_squared_difference() -> None:
    """Truncating division (negative quotients, RELU fused) and the wrapping square, broadcast."""
    t = {"a": Spec((1, 3, 8), "int32"), "b": Spec((1, 1, 8), "int32"), "div": Spec((1, 3, 8), "int32"),
         "relu": Spec((1, 3, 8), "int32"), "sq": Spec((1, 3, 8), "int32")}
    relu = (("fusedActivationFunction", fb.ActivationFunctionType.RELU),)
    model = graph(t, [Op("DIV", ("a", "b"), ("div",), "DivOptions"), Op("DIV", ("a", "b"), ("relu",), "DivOptions", relu),
                      Op("SQUARED_DIFFERENCE", ("a", "b"), ("sq",))], ["a", "b"], ["div", "relu", "sq"])
    rng = np.random.default_rng(4)
    sets = []
    for lim in (20, 2**31):
        a = rng.integers(-lim, lim, (1, 3, 8)).astype(np.int32)
        b = rng.integers(1, 9, (1, 1, 8)).astype(np.int32) * rng.choice([-1, 1], (1, 1, 8)).astype(np.int32)
        sets.append([a, b])
    r = compare_inputs(model, "div_s32", sets)
    assert r.exact, r


@pytest.mark.parametrize("dtype,q1,q2,qo", [
    pytest.param("int8", (0.05, 3), (0.07, -10), (0.2, -100), id="s8_mixed"),
    pytest.param("int8", (0.001, -128), (0.9, 127), (10.0, 0), id="s8_far_apart"),
    pytest.param("int16", (0.001, 0), (0.0013, 0), (0.02, 0), id="s16"),
    pytest.param("int16", (0.5, 0), (0.5, 0), (1e-4, 0), id="s16_wrapping_square"),
])
def test_squared_difference_quantised(dtype, q1, q2, qo) -> None:
    n = 256 if dtype == "int8" else 128
    model = single_op("SQUARED_DIFFERENCE", [Spec((1, n, 1), dtype, *q1), Spec((1, 1, n), dtype, *q2)],
                      [Spec((1, n, n), dtype, *qo)])
    info = np.iinfo(dtype)
    x = np.linspace(info.min, info.max, n).astype(dtype)
    r = compare_inputs(model, "sqdiff_q", [[x.reshape(1, n, 1), x[::-1].copy().reshape(1, 1, n)]])
    assert r.exact, r


@pytest.mark.parametrize("opcode,dtype,why", [
    pytest.param("DIV", "int16", "float32, int32 and int8 only", id="div_int16"),
    pytest.param("FLOOR_DIV", "int32", "float32 only", id="floor_div_int32"),
    pytest.param("FLOOR_MOD", "int8", "float32 only", id="floor_mod_int8"),
])
def test_refused(opcode: str, dtype: str, why: str) -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    q = {} if dtype == "int32" else {"scale": 0.1, "zero_point": 0}
    sg = read_model_bytes(single_op(opcode, [Spec((1, 4), dtype, **q)] * 2, [Spec((1, 4), dtype, **q)])).main
    problems = handler(opcode).check(sg, sg.operators[0])
    assert problems and why in problems[0], problems
