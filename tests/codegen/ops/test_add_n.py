"""ADD_N against TFLM: float32 (summed in input order) and int8 (TFLM's rescaled sum).

TensorFlow-made: ``tf.math.add_n`` of three and of five tensors in float32 and int8 (the converter
gives every int8 input one quantisation, which TFLM requires). Written directly: chosen scales that
saturate, and the refusals (int8 inputs quantised differently, int16, broadcasting).
"""

from __future__ import annotations

import numpy as np
import pytest

from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Spec, single_op
from support.tflite_edit import ops_of
from support.tfmodels import convert


@pytest.mark.parametrize("mode", ["float32", "int8"])
@pytest.mark.parametrize("n", [3, 5])
def test_tf_model(mode: str, n: int) -> None:
    def fn(tf, x):
        return tf.math.add_n([x * (k + 1) * (-1) ** k for k in range(n)])
    model = convert(lambda_case(f"add_n_{n}", fn, ((3, 4, 5),)), mode)
    assert ops_of(model, "ADD_N")
    r = compare_bytes(model, f"add_n_{mode}", samples=10)
    assert r.exact, r


@pytest.mark.parametrize("q_in,q_out", [pytest.param((0.05, 3), (0.1, -7), id="rescaled"),
                                        pytest.param((0.2, -128), (0.01, 0), id="saturating")])
def test_int8_chosen_scales(q_in, q_out) -> None:
    model = single_op("ADD_N", [Spec((1, 256), "int8", *q_in)] * 3, [Spec((1, 256), "int8", *q_out)])
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    r = compare_inputs(model, "add_n_s8", [[x, x[:, ::-1].copy(), np.roll(x, 17)]])
    assert r.exact, r


@pytest.mark.parametrize("inputs,why", [
    pytest.param([Spec((1, 4), "int8", 0.1, 0), Spec((1, 4), "int8", 0.2, 0)], "quantised differently", id="scales"),
    pytest.param([Spec((1, 4), "int16", 0.1, 0)] * 2, "float32 and int8 only", id="int16"),
    pytest.param([Spec((1, 4), "float32"), Spec((1, 1), "float32")], "does not broadcast", id="broadcast"),
])
def test_refused(inputs, why: str) -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op("ADD_N", inputs, [inputs[0]])).main
    problems = handler("ADD_N").check(sg, sg.operators[0])
    assert problems and why in problems[0], problems
