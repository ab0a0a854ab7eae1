"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL against TFLM (bool outputs).

TensorFlow-made models: the six comparisons of two float32 inputs, and of two int8 inputs quantised
differently (the converter gives each input its own scale), for three broadcast patterns. Written
directly (support.tflite_build), for the types a converted Keras model does not take as inputs:
int32, int64, bool, int8 with chosen scales and zero points (every pair of int8 values), and the
refusals (int16, which TFLM's kernels do not rescale). Outputs must be identical.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Op, Spec, graph, single_op
from support.tflite_edit import ops_of
from support.tfmodels import convert

OPS = ("EQUAL", "NOT_EQUAL", "GREATER", "GREATER_EQUAL", "LESS", "LESS_EQUAL")


def _all_six(tf, a, b):
    m = tf.math
    # rounded so that EQUAL / NOT_EQUAL see ties in float32
    a, b = m.round(a * 4.0), m.round(b * 4.0)
    return [tf.cast(f(a, b), tf.float32) for f in (m.equal, m.not_equal, m.greater, m.greater_equal, m.less,
                                                    m.less_equal)]


def _all_six_raw(tf, a, b):
    m = tf.math
    return [f(a, b) for f in (m.equal, m.not_equal, m.greater, m.greater_equal, m.less, m.less_equal)]


SHAPES = [pytest.param(((4, 6), (4, 6)), id="same_shape"),
          pytest.param(((3, 1, 5), (1, 4, 5)), id="both_broadcast"),
          pytest.param(((2, 3, 4), (4,)), id="vector_rhs")]


@pytest.mark.parametrize("shapes", SHAPES)
def test_float32_tf_model(shapes) -> None:
    model = convert(lambda_case(f"cmp_f32_{len(shapes[0])}{len(shapes[1])}_{shapes[0][0]}", _all_six_raw, shapes),
                    "float32")
    for opcode in OPS:
        assert ops_of(model, opcode), opcode
    r = compare_bytes(model, "cmp_f32", samples=10)
    assert r.exact, r


@pytest.mark.parametrize("shapes", SHAPES[:2])
def test_int8_tf_model_different_scales(shapes) -> None:
    """The converter quantises a and b with their own scales (b's range is 3x a's)."""
    def fn(tf, a, b):
        return _all_six_raw(tf, a, b * 3.0)
    model = convert(lambda_case(f"cmp_s8_{len(shapes[0])}{len(shapes[1])}", fn, shapes), "int8")
    for opcode in OPS:
        assert ops_of(model, opcode), opcode
    r = compare_bytes(model, "cmp_s8", samples=10)
    assert r.exact, r


VALUES = np.arange(-128, 128, dtype=np.int8)


def _six(a: Spec, b: Spec, out_shape: tuple[int, ...], ops: tuple[str, ...] = OPS) -> bytes:
    """One model holding the comparisons `ops` of the same two inputs (one host build for all)."""
    tensors = {"a": a, "b": b, **{op.lower(): Spec(out_shape, "bool") for op in ops}}
    return graph(tensors, [Op(op, ("a", "b"), (op.lower(),)) for op in ops], ["a", "b"], [op.lower() for op in ops])


@pytest.mark.parametrize("q1,q2", [pytest.param((0.05, 3), (0.07, -10), id="different_scales"),
                                   pytest.param((0.001, 0), (0.001, 0), id="tiny_equal_scales"),
                                   pytest.param((0.9, -128), (0.011, 127), id="far_apart")])
def test_int8_every_pair(q1: tuple, q2: tuple) -> None:
    model = _six(Spec((1, 256, 1), "int8", *q1), Spec((1, 1, 256), "int8", *q2), (1, 256, 256))
    r = compare_inputs(model, "cmp_pairs", [[VALUES.reshape(1, 256, 1), VALUES.reshape(1, 1, 256)]])
    assert r.exact, r


@pytest.mark.parametrize("dtype", ["int32", "int64", "bool"])
@pytest.mark.parametrize("shapes", [pytest.param(((1, 3, 4, 5), (1, 3, 4, 5)), id="same_shape"),
                                    pytest.param(((1, 3, 1, 5), (1, 4, 1)), id="broadcast"),
                                    pytest.param(((1, 2, 3, 4, 5, 2), (1, 1, 3, 1, 5, 1)), id="rank6")])
def test_raw_types(dtype: str, shapes) -> None:
    rng = np.random.default_rng(0)
    model = _six(Spec(shapes[0], dtype), Spec(shapes[1], dtype), np.broadcast_shapes(*shapes),
                 ("EQUAL", "NOT_EQUAL") if dtype == "bool" else OPS)
    sets = []
    for k in range(3):
        if dtype == "bool":
            xs = [rng.integers(0, 2, s).astype(bool) for s in shapes]
        else:
            lim = 4 if k == 0 else 2**62 if dtype == "int64" else 2**31  # small first: many ties
            xs = [rng.integers(-lim, lim, s).astype(dtype) for s in shapes]
        sets.append(xs)
    r = compare_inputs(model, f"cmp_{dtype}", sets)
    assert r.exact, r


@pytest.mark.parametrize("opcode,dtype,why", [
    pytest.param("GREATER", "int16", "do not rescale int16", id="greater_int16"),
    pytest.param("EQUAL", "int16", "do not rescale int16", id="equal_int16"),
    pytest.param("LESS", "bool", "supported: int8, float32, int32, int64", id="less_bool"),
])
def test_refused(opcode: str, dtype: str, why: str) -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op(opcode, [Spec((1, 4), dtype), Spec((1, 4), dtype)], [Spec((1, 4), "bool")])).main
    problems = handler(opcode).check(sg, sg.operators[0])
    assert problems and why in problems[0], problems


def test_constant_operands_fold() -> None:
    """GREATER of two constants (int8 through TFLM's rescaling) folds to a bool constant."""
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    a = VALUES.reshape(1, 256)
    b = np.full((1, 1), 7, np.int8)
    sg = read_model_bytes(single_op("GREATER", [Spec((1, 256), "int8", 0.05, 3, data=a),
                                                Spec((1, 1), "int8", 0.07, -10, data=b)],
                                    [Spec((1, 256), "bool")])).main
    got = handler("GREATER").fold(sg, sg.operators[0], [a, b])[0]
    np.testing.assert_array_equal(got, 0.05 * (a.astype(float) - 3) > 0.07 * (7 + 10))
