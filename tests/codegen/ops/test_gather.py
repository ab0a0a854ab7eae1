"""GATHER with constant positions against TFLM's interpreter: int8 (bit-exact) and float32 (exact,
FLOAT_TOL = 0: values are only copied). TFLM's GATHER has no int16 kernel. Positions computed at run
time use the same kernel; random model inputs would index out of range (TFLM then fails the invoke),
so they are not compared here."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case
from support.tfmodels import convert

# (id, input shape without batch, expression, modes)
CASES = [
    ("gather_rank3_axis1_repeats", (5, 3), "tf.gather(x, [4, 0, 1, 1], axis=1)", ("int8", "float32")),
    ("gather_rank4_axis_neg1_2d_positions", (2, 3, 6), "tf.gather(x, [[5, 0], [2, 2]], axis=-1)",
     ("int8", "float32")),
    ("gather_rank3_batch_dims1", (4, 3), "tf.gather(x, [[3, 1]], axis=1, batch_dims=1)", ("int8",)),
]


def _case(name, shape, expr):
    return lambda_case(name, lambda tf, x: eval(expr, {"tf": tf, "x": x}), (shape,), expr=expr)


@pytest.mark.parametrize("name,shape,expr,mode",
                         [pytest.param(n, s, e, m, id=f"{n}-{m}") for n, s, e, ms in CASES for m in ms])
def test_gather_bit_exact(name, shape, expr, mode):
    model = convert(_case(name, shape, expr), mode)
    assert [op.opcode for op in read_model_bytes(model).main.operators] == ["GATHER"]
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


def test_gather_fold():
    from codegen.ops.registry import handler
    model = convert(_case(*CASES[1][:3]), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.arange(36, dtype=np.float32).reshape(1, 2, 3, 6)
    (y,) = handler("GATHER").fold(sg, op, [x, sg.tensors[op.inputs[1]].data])
    assert np.array_equal(y, np.take(x, [[5, 0], [2, 2]], axis=-1))
