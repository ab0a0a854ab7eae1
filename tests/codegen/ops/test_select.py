"""SELECT_V2 against TFLM: float32, int8 and int16 values, a bool condition, numpy broadcasting of
all three operands (TFLM copies values raw, never requantising x and y).

TensorFlow-made: ``tf.where(a > b, a, b * 2)`` in float32 and int8 (x and y quantised differently),
with broadcasting (the int16x8 converter has no GREATER). Written directly (support.tflite_build):
int16 values, bool model inputs and three-way broadcasts the converter does not emit; and the loop
plan against numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.ops import select
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Spec, single_op
from support.tflite_edit import ops_of
from support.tfmodels import convert


def _where(tf, a, b):
    return tf.where(tf.math.greater(a, b), a, b * 2.0)


@pytest.mark.parametrize("mode", ["float32", "int8"])
def test_tf_model(mode: str) -> None:
    model = convert(lambda_case("select_v2_where_bcast", _where, ((3, 4, 5), (1, 5))), mode)
    assert ops_of(model, "SELECT_V2")
    r = compare_bytes(model, f"select_{mode}", samples=10)
    assert r.exact, r


@pytest.mark.parametrize("dtype", ["float32", "int8", "int16"])
@pytest.mark.parametrize("shapes", [pytest.param(((1, 4, 5), (1, 4, 5), (1, 4, 5)), id="same_shape"),
                                    pytest.param(((1, 4, 1), (1, 1, 5), (5,)), id="three_way"),
                                    pytest.param(((1,), (1, 2, 3, 4, 5), (1, 2, 1, 4, 1)), id="scalar_condition_rank5")])
def test_three_way_broadcast(dtype: str, shapes) -> None:
    out = np.broadcast_shapes(*shapes)
    q = {} if dtype == "float32" else {"scale": 0.1, "zero_point": 0}
    model = single_op("SELECT_V2", [Spec(shapes[0], "bool"), Spec(shapes[1], dtype, **q), Spec(shapes[2], dtype, **q)],
                      [Spec(out, dtype, **q)])
    rng = np.random.default_rng(2)
    sets = []
    for _ in range(3):
        c = rng.integers(0, 2, shapes[0]).astype(bool)
        if dtype == "float32":
            x, y = (rng.standard_normal(s).astype(np.float32) for s in shapes[1:])
        else:
            info = np.iinfo(dtype)
            x, y = (rng.integers(info.min, info.max, s).astype(dtype) for s in shapes[1:])
        sets.append([c, x, y])
    r = compare_inputs(model, f"select_{dtype}", sets)
    assert r.exact, r


@pytest.mark.parametrize("shapes", [((4, 1), (1, 5), (4, 5)), ((2, 1, 3), (3,), (1, 4, 1)),
                                    ((1,), (2, 3, 4, 5, 6, 7), (1, 3, 1, 5, 1, 7))])
def test_plan_walks_numpy_order(shapes) -> None:
    out = np.broadcast_shapes(*shapes)
    p = select.plan(tuple(shapes), out)
    idx = [np.broadcast_to(np.arange(int(np.prod(s))).reshape(s), out).reshape(-1) for s in shapes]
    got = [[] for _ in shapes]
    index = [0] * len(p.outer)
    offs = [0] * len(shapes)
    for _ in range(int(np.prod(p.outer))):
        for k in range(p.inner):
            for n in range(len(shapes)):
                got[n].append(offs[n] + k * p.inner_strides[n])
        for d in reversed(range(len(p.outer))):
            for n in range(len(shapes)):
                offs[n] += p.strides[n][d]
            index[d] += 1
            if index[d] < p.outer[d]:
                break
            for n in range(len(shapes)):
                offs[n] -= p.outer[d] * p.strides[n][d]
            index[d] = 0
    for n in range(len(shapes)):
        assert got[n] == idx[n].tolist()
