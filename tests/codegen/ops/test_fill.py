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
from support.tflite_build import Op, Spec, graph, single_op
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


def test_fill_and_zeros_like_every_type() -> None:
    """FILL with a run-time value of each type TFLM takes (dims int32 and int64), ZEROS_LIKE of each
    type TFLM takes, in one model."""
    fills = [("float32", np.float32(-2.75)), ("int32", np.int32(-123456)), ("int8", np.int8(-7))]
    tensors, ops, inputs, outputs, xs = {}, [], [], [], []
    for k, (dtype, value) in enumerate(fills):
        q = {"scale": 0.1, "zero_point": 3} if dtype == "int8" else {}
        dims = "int64" if k % 2 else "int32"
        tensors.update({f"d{k}": Spec((3,), dims, data=[1, 3, 5]), f"v{k}": Spec((), dtype, **q),
                        f"f{k}": Spec((1, 3, 5), dtype, **q)})
        ops.append(Op("FILL", (f"d{k}", f"v{k}"), (f"f{k}",)))
        inputs.append(f"v{k}")
        outputs.append(f"f{k}")
        xs.append(value)
    for k, dtype in enumerate(["int64", "int32", "int8", "float32"]):
        q = {"scale": 0.1, "zero_point": 3} if dtype == "int8" else {}
        tensors.update({f"z{k}": Spec((1, 3, 5), dtype, **q), f"zl{k}": Spec((1, 3, 5), dtype, **q)})
        ops.append(Op("ZEROS_LIKE", (f"z{k}",), (f"zl{k}",)))
        inputs.append(f"z{k}")
        outputs.append(f"zl{k}")
        xs.append(np.arange(15).reshape(1, 3, 5).astype(dtype) + 1)
    r = compare_inputs(graph(tensors, ops, inputs, outputs), "fill_zeros", [xs])
    assert r.exact, r


@pytest.mark.parametrize("dtype,shape_type", [("float32", "int32"), ("int16", "int64"), ("bool", "int32")])
def test_broadcast_to(dtype: str, shape_type: str) -> None:
    """Prepended and inner dimensions, rows, rank 5 with alternating broadcast dimensions."""
    q = {"scale": 0.1, "zero_point": 0} if dtype == "int16" else {}
    cases = [((1, 3, 1), (1, 2, 3, 4)), ((1, 1, 4), (1, 3, 4)), ((1, 2, 1, 3, 1), (1, 2, 4, 3, 5))]
    tensors, ops, xs = {}, [], []
    for k, (src, dst) in enumerate(cases):
        tensors.update({f"x{k}": Spec(src, dtype, **q), f"s{k}": Spec((len(dst),), shape_type, data=list(dst)),
                        f"y{k}": Spec(dst, dtype, **q)})
        ops.append(Op("BROADCAST_TO", (f"x{k}", f"s{k}"), (f"y{k}",)))
        xs.append((np.arange(int(np.prod(src))).reshape(src) % 7).astype(dtype))
    model = graph(tensors, ops, [f"x{k}" for k in range(len(cases))], [f"y{k}" for k in range(len(cases))])
    r = compare_inputs(model, "broadcast_to", [xs])
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
    pytest.param("BROADCAST_TO", [Spec((1, 2), "float32"), Spec((2,), "int32", data=[3, 2])], Spec((2, 2), "float32"),
                 "shape [3, 2], but the output's shape is [2, 2]", id="broadcast_to_shape_mismatch"),
    pytest.param("FILL", [Spec((2,), "float32", data=[1, 4]), Spec((), "float32")], Spec((1, 4), "float32"),
                 "dims of type float32 (TFLM requires int8, int16, int32, int64)", id="fill_float_dims"),
])
def test_refused(opcode: str, inputs, out, why: str) -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op(opcode, inputs, [out])).main
    problems = handler(opcode).check(sg, sg.operators[0])
    assert problems and any(why in p for p in problems), problems
