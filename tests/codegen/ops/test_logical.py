"""LOGICAL_AND, LOGICAL_OR and LOGICAL_NOT against TFLM (bool only, as TFLM).

TensorFlow-made: ``logical_and/or/not`` of two comparisons of float32 inputs (the converter gives
bool tensors only between ops). Written directly (support.tflite_build): bool model inputs with
broadcasting up to rank 6, and non-bool operands refused.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Op, Spec, graph, single_op
from support.tflite_edit import ops_of
from support.tfmodels import convert


def _logic(tf, a, b):
    g, l = tf.math.greater(a, 0.0), tf.math.less(b, a)
    both = tf.math.logical_and(g, l)
    # NOT of a comparison is rewritten to the opposite comparison; NOT of an AND stays
    return [tf.cast(both, tf.float32), tf.cast(tf.math.logical_or(g, l), tf.float32),
            tf.cast(tf.math.logical_not(both), tf.float32)]


def test_tf_model() -> None:
    model = convert(lambda_case("logical_and_or_not_of_and", _logic, ((3, 4), (1, 4))), "float32")
    for opcode in ("LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT"):
        assert ops_of(model, opcode), opcode
    r = compare_bytes(model, "logical", samples=5)
    assert r.exact, r


@pytest.mark.parametrize("shapes", [pytest.param(((1, 5, 7), (1, 5, 7)), id="same_shape"),
                                    pytest.param(((1, 5, 1), (1, 1, 7)), id="outer_product"),
                                    pytest.param(((1, 2, 1, 3, 1, 4), (1, 1, 2, 3, 5, 1)), id="rank6")])
def test_bool_inputs_broadcasting(shapes) -> None:
    out = np.broadcast_shapes(*shapes)
    t = {"a": Spec(shapes[0], "bool"), "b": Spec(shapes[1], "bool"), "and": Spec(out, "bool"),
         "or": Spec(out, "bool"), "not": Spec(shapes[0], "bool")}
    model = graph(t, [Op("LOGICAL_AND", ("a", "b"), ("and",)), Op("LOGICAL_OR", ("a", "b"), ("or",)),
                      Op("LOGICAL_NOT", ("a",), ("not",))], ["a", "b"], ["and", "or", "not"])
    rng = np.random.default_rng(1)
    sets = [[rng.integers(0, 2, s).astype(bool) for s in shapes] for _ in range(4)]
    r = compare_inputs(model, "logical_bool", sets)
    assert r.exact, r


def test_non_bool_refused() -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op("LOGICAL_OR", [Spec((1, 4), "int8", 0.1, 0)] * 2, [Spec((1, 4), "bool")])).main
    problems = handler("LOGICAL_OR").check(sg, sg.operators[0])
    assert problems and "bool only" in problems[0], problems
