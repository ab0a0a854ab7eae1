"""CAST against TFLM: every pair of TFLM's input types (int8, int16, int32, uint32, float32, bool)
and output types (int8, int16, int32, uint32, float32).

TensorFlow-made: float32 -> int32 -> float32 and bool -> float32 inside a float model. Written
directly (support.tflite_build): all 30 pairs in one graph (chained so uint32 appears as an input
too), with values in range of every target (out-of-range float conversions are undefined in C and
in TFLM alike) and integer narrowing that wraps; and the types TFLM's CAST refuses.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.ops.cast import INPUTS, OUTPUTS
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Op, Spec, graph, single_op
from support.tflite_edit import ops_of
from support.tfmodels import convert


def test_tf_model() -> None:
    def fn(tf, x):
        i = tf.cast(x * 100.0, tf.int32)
        return [tf.cast(i, tf.float32), tf.cast(tf.math.greater(x, 0.0), tf.float32)]
    model = convert(lambda_case("cast_f32_i32_bool", fn, ((3, 7),)), "float32")
    assert len(ops_of(model, "CAST")) >= 3
    r = compare_bytes(model, "cast", samples=10)
    assert r.exact, r


def test_every_type_pair() -> None:
    shape = (1, 2, 64)
    names = {t: t.name.lower() for t in INPUTS}
    tensors = {f"in_{n}": Spec(shape, n) for n in names.values() if n != "uint32"}
    ops, outs = [], []
    tensors["in_uint32"] = Spec(shape, "uint32")
    ops.append(Op("CAST", ("in_int32",), ("in_uint32",)))  # uint32 values from int32 ones (wrapping)
    for ti in INPUTS:
        for to in OUTPUTS:
            name = f"{names[ti]}_to_{to.name.lower()}"
            tensors[name] = Spec(shape, to.name.lower())
            ops.append(Op("CAST", (f"in_{names[ti]}",), (name,)))
            outs.append(name)
    model = graph(tensors, ops, [f"in_{n}" for n in names.values() if n != "uint32"], outs)
    rng = np.random.default_rng(9)
    sets = []
    for k in range(3):
        x = {"int8": rng.integers(-128, 128, shape).astype(np.int8),
             "int16": rng.integers(-32768, 32768, shape).astype(np.int16),
             "int32": rng.integers(-2**31, 2**31, shape).astype(np.int32) if k else
             rng.integers(-100, 100, shape).astype(np.int32),
             "float32": rng.uniform(-127.0, 127.0, shape).astype(np.float32),
             "bool": rng.integers(0, 2, shape).astype(bool)}
        x["float32"].reshape(-1)[:4] = [0.5, -0.5, 126.99, -127.99]
        sets.append([x[n] for n in names.values() if n != "uint32"])
    r = compare_inputs(model, "cast_pairs", sets)
    assert r.exact, r


@pytest.mark.parametrize("src,dst,why", [pytest.param("int64", "int32", "CAST reads", id="int64_input"),
                                         pytest.param("int32", "bool", "CAST writes", id="bool_output"),
                                         pytest.param("float32", "uint8", "CAST writes", id="uint8_output")])
def test_refused(src: str, dst: str, why: str) -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op("CAST", [Spec((1, 4), src)], [Spec((1, 4), dst)])).main
    problems = handler("CAST").check(sg, sg.operators[0])
    assert problems and why in problems[0], problems


def test_constant_cast_folds() -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    x = np.array([[-3.75, 2.5, 300.0, -0.5]], np.float32)
    sg = read_model_bytes(single_op("CAST", [Spec((1, 4), "float32", data=x)], [Spec((1, 4), "int16")])).main
    np.testing.assert_array_equal(handler("CAST").fold(sg, sg.operators[0], [x])[0], [[-3, 2, 300, 0]])
