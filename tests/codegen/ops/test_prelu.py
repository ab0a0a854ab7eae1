"""PRELU against TFLM: float32, int8 and int16 (alpha int8), alpha broadcast against the input.

TensorFlow-made: Keras PReLU layers with per-channel alphas (shared over H and W, and over nothing)
in float32 and int8 (the int16x8 converter has no PRELU). Written directly: int16 inputs with int8
alphas, chosen scales and zero points on every int8 and int16 input value, alphas negative and
above 1, and the type rules TFLM enforces.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.compare import compare_bytes, compare_inputs
from support.tflite_build import Spec, single_op
from support.tflite_edit import ops_of
from support.tfmodels import Case, convert


def _case(shared: tuple[int, ...] | None) -> Case:
    def build(tf):
        x = tf.keras.Input((4, 5, 6), batch_size=1)
        init = tf.keras.initializers.RandomUniform(-0.8, 1.3, seed=1)
        return tf.keras.Model(x, tf.keras.layers.PReLU(alpha_initializer=init, shared_axes=shared)(x))
    return Case(f"prelu_shared_{'_'.join(map(str, shared or ())) or 'none'}", build, ((4, 5, 6),), low=-2, high=2)


@pytest.mark.parametrize("mode", ["float32", "int8"])
@pytest.mark.parametrize("shared", [pytest.param((1, 2), id="per_channel"), pytest.param(None, id="per_element")])
def test_tf_model(mode: str, shared) -> None:
    model = convert(_case(shared), mode)
    assert ops_of(model, "PRELU")
    r = compare_bytes(model, f"prelu_{mode}", samples=10)
    assert r.exact, r


@pytest.mark.parametrize("dtype,q_in,q_alpha,q_out", [
    pytest.param("int8", (0.05, 3), (0.01, -5), (0.04, -1), id="s8"),
    pytest.param("int8", (0.1, 127), (0.02, 100), (0.003, -128), id="s8_saturating"),
    pytest.param("int16", (0.001, 0), (0.01, -5), (0.0009, 0), id="s16"),
])
def test_every_input_value(dtype, q_in, q_alpha, q_out) -> None:
    rng = np.random.default_rng(6)
    n = 256 if dtype == "int8" else 65536
    alpha = rng.integers(-128, 128, (1, 1, 8)).astype(np.int8)
    model = single_op("PRELU", [Spec((1, n // 8, 8), dtype, *q_in), Spec((1, 1, 8), "int8", *q_alpha, data=alpha)],
                      [Spec((1, n // 8, 8), dtype, *q_out)])
    info = np.iinfo(dtype)
    x = np.arange(info.min, info.max + 1).astype(dtype).reshape(1, n // 8, 8)
    r = compare_inputs(model, f"prelu_{dtype}", [[x]])
    assert r.exact, r


def test_int16_needs_int8_alpha() -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op("PRELU", [Spec((1, 4), "int16", 0.1, 0), Spec((4,), "int16", 0.1, 0, data=[1] * 4)],
                                    [Spec((1, 4), "int16", 0.1, 0)])).main
    problems = handler("PRELU").check(sg, sg.operators[0])
    assert problems and "requires int8" in problems[0], problems
