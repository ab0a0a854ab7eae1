"""SPLIT, SPLIT_V and UNPACK against TFLM's interpreter: int8, int16x8 (bit-exact) and float32
(exact, FLOAT_TOL = 0: values are only copied). Every piece is a model output."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case
from support.tfmodels import convert

ALL = ("int8", "int16x8", "float32")

# (id, input shape without batch, expression, expected opcode, modes)
CASES = [
    ("split_rank3_axis_last_3", (4, 6), "tf.split(x, 3, axis=-1)", "SPLIT", ALL),
    ("split_rank4_axis1_odd", (4, 3, 5), "tf.split(x, 2, axis=1)", "SPLIT", ("int8",)),
    ("split_v_rank4_axis_neg2", (3, 6, 2), "tf.split(x, [1, 3, 2], axis=-2)", "SPLIT_V", ALL),
    ("split_v_rank2_inferred_size", (7,), "tf.split(x, [2, -1], axis=1)", "SPLIT_V", ("int8", "float32")),
    ("unpack_rank3_axis1", (3, 5), "tf.unstack(x, axis=1)", "UNPACK", ("int8", "float32")),
]


def _case(name, shape, expr):
    return lambda_case(name, lambda tf, x: eval(expr, {"tf": tf, "x": x}), (shape,), expr=expr)


@pytest.mark.parametrize("name,shape,expr,opcode,mode",
                         [pytest.param(n, s, e, o, m, id=f"{n}-{m}") for n, s, e, o, ms in CASES for m in ms])
def test_split_bit_exact(name, shape, expr, opcode, mode):
    model = convert(_case(name, shape, expr), mode)
    sg = read_model_bytes(model).main
    assert [op.opcode for op in sg.operators] == [opcode]
    assert len(sg.outputs) > 1
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


def test_split_fold():
    from codegen.ops.registry import handler
    model = convert(_case(*CASES[2][:3]), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.arange(36, dtype=np.float32).reshape(1, 3, 6, 2)
    parts = handler("SPLIT_V").fold(sg, op, [x] + [sg.tensors[i].data for i in op.inputs[1:]])
    for got, want in zip(parts, np.split(x, [1, 4], axis=-2)):
        assert np.array_equal(got, want)
