"""LOG_SOFTMAX against TFLM: float32 and int8 (output scale 16/256, zero point 127, as TFLM requires).

TensorFlow-made: ``tf.nn.log_softmax`` over the last axis in float32 and int8, wide and narrow input
ranges, rows of several lengths. Written directly: chosen int8 input scales (tiny ones where many
differences fall below diff_min, large ones where the exps underflow), and the output quantisation
TFLM insists on.
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
@pytest.mark.parametrize("shape,limit", [pytest.param((12,), 8.0, id="vector_wide"),
                                         pytest.param((3, 5, 7), 1.0, id="rank3_narrow")])
def test_tf_model(mode: str, shape, limit: float) -> None:
    case = lambda_case(f"log_softmax_{len(shape)}", lambda tf, x: tf.nn.log_softmax(x), (shape,), low=-limit,
                       high=limit, limit=limit)
    model = convert(case, mode)
    assert ops_of(model, "LOG_SOFTMAX")
    r = compare_bytes(model, f"log_softmax_{mode}", samples=10)
    assert r.exact, r


@pytest.mark.parametrize("scale,zp", [(0.1, 3), (0.0123, -128), (1.7, 0), (0.0004, 50)])
def test_int8_chosen_scales(scale: float, zp: int) -> None:
    model = single_op("LOG_SOFTMAX", [Spec((1, 16, 16), "int8", scale, zp)], [Spec((1, 16, 16), "int8", 16 / 256, 127)])
    x = np.arange(-128, 128, dtype=np.int8).reshape(1, 16, 16)
    rng = np.random.default_rng(8)
    r = compare_inputs(model, "log_softmax_s8", [[x], [rng.permutation(x.reshape(-1)).reshape(x.shape)],
                                                [np.where(x > 100, x, -128).astype(np.int8)]])
    assert r.exact, r


def test_int8_output_quantisation_is_checked() -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op("LOG_SOFTMAX", [Spec((1, 8), "int8", 0.1, 0)], [Spec((1, 8), "int8", 1 / 256, -128)])).main
    problems = handler("LOG_SOFTMAX").check(sg, sg.operators[0])
    assert problems and "16/256" in problems[0], problems
