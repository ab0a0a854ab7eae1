"""FILL, ZEROS_LIKE, BROADCAST_TO and BROADCAST_ARGS against TFLM.

TensorFlow-made: ``tf.broadcast_to`` of float32 and int8 tensors, and ``tf.fill`` with a value computed
at run time (the converter folds FILL of a constant and ZEROS_LIKE away). Written directly
(support.tflite_build): FILL of every type TFLM takes with a run-time value, ZEROS_LIKE of every
type, BROADCAST_TO up to 5-D with int32 and int64 shapes, BROADCAST_ARGS on int32 and int64 shape
vectors of different lengths; constant inputs fold; and what TFLM refuses.
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
def test_broadcast_to_tf_model(mode: str) -> None:
    model = convert(lambda_case("broadcast_to_3x4x5", lambda tf, x: tf.broadcast_to(x, (1, 3, 4, 5)) * 2.0,
                                ((1, 4, 1),)), mode)
    assert ops_of(model, "BROADCAST_TO")
    r = compare_bytes(model, f"broadcast_to_{mode}", samples=5)
    assert r.exact, r


def test_fill_tf_model() -> None:
    model = convert(lambda_case("fill_runtime_value", lambda tf, x: tf.fill((1, 3, 4), x[0, 2]) + x[:, :1],
                                ((5,),)), "float32")
    assert ops_of(model, "FILL")
    r = compare_bytes(model, "fill", samples=5)
    assert r.exact, r


@pytest.mark.parametrize("dtype,value", [("float32", np.float32(-2.75)), ("int32", np.int32(-123456)),
                                         ("int8", np.int8(-7))])
@pytest.mark.parametrize("dims_type", ["int32", "int64"])
def test_fill_runtime_value(dtype: str, value, dims_type: str) -> None:
    q = {} if dtype != "int8" else {"scale": 0.1, "zero_point": 3}
    model = single_op("FILL", [Spec((3,), dims_type, data=[1, 3, 5]), Spec((), dtype, **q)], [Spec((1, 3, 5), dtype, **q)])
    r = compare_inputs(model, "fill", [[value]])
    assert r.exact, r


@pytest.mark.parametrize("dtype", ["int64", "int32", "int8", "float32"])
def test_zeros_like(dtype: str) -> None:
    q = {} if dtype != "int8" else {"scale": 0.1, "zero_point": 3}
    model = single_op("ZEROS_LIKE", [Spec((1, 3, 5), dtype, **q)], [Spec((1, 3, 5), dtype, **q)])
    x = np.arange(15).reshape(1, 3, 5).astype(dtype) + 1
    r = compare_inputs(model, "zeros_like", [[x]])
    assert r.exact, r


@pytest.mark.parametrize("src,dst", [pytest.param((1, 3, 1), (1, 2, 3, 4), id="prepend_and_inner"),
                                     pytest.param((1, 1, 4), (1, 3, 4), id="rows"),
                                     pytest.param((1, 2, 1, 3, 1), (1, 2, 4, 3, 5), id="rank5_alternating")])
@pytest.mark.parametrize("dtype,shape_type", [("float32", "int32"), ("int16", "int64"), ("bool", "int32")])
def test_broadcast_to(src, dst, dtype: str, shape_type: str) -> None:
    q = {"scale": 0.1, "zero_point": 0} if dtype == "int16" else {}
    model = single_op("BROADCAST_TO", [Spec(src, dtype, **q), Spec((len(dst),), shape_type, data=list(dst))],
                      [Spec(dst, dtype, **q)])
    x = (np.arange(int(np.prod(src))).reshape(src) % 7).astype(dtype)
    r = compare_inputs(model, "broadcast_to", [[x]])
    assert r.exact, r


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_broadcast_args(dtype: str) -> None:
    model = single_op("BROADCAST_ARGS", [Spec((4,), dtype), Spec((2,), dtype)], [Spec((4,), dtype)])
    sets = [[np.array(a, dtype), np.array(b, dtype)] for a, b in
            (([2, 1, 4, 1], [4, 5]), ([1, 1, 1, 1], [6, 7]), ([5, 6, 7, 8], [1, 8]), ([9, 3, 1, 2], [4, 1]))]
    r = compare_inputs(model, "broadcast_args", sets)
    assert r.exact, r


def test_constants_fold() -> None:
    """With constant inputs each of the four folds to numpy's result."""
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    cases = [("BROADCAST_ARGS", [Spec((3,), "int32", data=[2, 1, 4]), Spec((2,), "int32", data=[3, 1])],
              Spec((3,), "int32"), [2, 3, 4]),
             ("BROADCAST_TO", [Spec((1, 2), "float32", data=[[1.5, -2]]), Spec((2,), "int64", data=[3, 2])],
              Spec((3, 2), "float32"), [[1.5, -2]] * 3),
             ("FILL", [Spec((2,), "int32", data=[2, 2]), Spec((), "int32", data=7)], Spec((2, 2), "int32"), [[7, 7]] * 2),
             ("ZEROS_LIKE", [Spec((2,), "int64", data=[5, 6])], Spec((2,), "int64"), [0, 0])]
    for opcode, inputs, out, want in cases:
        sg = read_model_bytes(single_op(opcode, inputs, [out])).main
        values = [np.asarray(t.data) for t in (sg.tensors[i] for i in sg.operators[0].inputs)]
        np.testing.assert_array_equal(handler(opcode).fold(sg, sg.operators[0], values)[0], want)


@pytest.mark.parametrize("opcode,inputs,out,why", [
    pytest.param("FILL", [Spec((2,), "int32", data=[1, 4]), Spec((), "int16", 0.1, 0)], Spec((1, 4), "int16", 0.1, 0),
                 "float32, int32 and int8", id="fill_int16"),
    pytest.param("FILL", [Spec((2,), "int32"), Spec((), "float32")], Spec((1, 4), "float32"), "must be a constant",
                 id="fill_runtime_dims"),
    pytest.param("ZEROS_LIKE", [Spec((1, 4), "int16", 0.1, 0)], Spec((1, 4), "int16", 0.1, 0), "int64, int32, int8",
                 id="zeros_like_int16"),
    pytest.param("BROADCAST_TO", [Spec((1, 1, 1, 1, 1, 2), "float32"), Spec((6,), "int32", data=[1, 2, 1, 1, 1, 2])],
                 Spec((1, 2, 1, 1, 1, 2), "float32"), "1-5D", id="broadcast_to_rank6"),
])
def test_refused(opcode: str, inputs, out, why: str) -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op(opcode, inputs, [out])).main
    problems = handler(opcode).check(sg, sg.operators[0])
    assert problems and any(why in p for p in problems), problems
