"""TRANSPOSE against TFLM's interpreter, ranks 2 to 5: int8, int16x8 (bit-exact) and float32
(exact, FLOAT_TOL = 0: values are only copied). TFLM stops at rank 5; rank 6 runs through the same
generic kernel and is checked against numpy."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case
from support.tfmodels import convert

ALL = ("int8", "int16x8", "float32")

# (id, input shape without batch, perm incl. batch (None: a rank-2 [3, 4] -> [4, 3]), modes)
CASES = [
    ("transpose_rank2_after_reshape", (12,), None, ("int8", "float32")),
    ("transpose_rank3_odd", (4, 7), (0, 2, 1), ALL),
    ("transpose_rank4_nhwc_to_nchw", (3, 4, 5), (0, 3, 1, 2), ALL),
    ("transpose_rank5_reverse_inner", (2, 3, 4, 3), (0, 4, 3, 2, 1), ("int8", "int16x8")),
    ("transpose_rank6_mixed", (2, 3, 2, 2, 3), (0, 5, 3, 1, 4, 2), ()),
]


def _case(name, shape, perm):
    if perm is None:
        return lambda_case(name, lambda tf, x: tf.transpose(tf.reshape(x, (3, 4))), (shape,), perm=perm)
    return lambda_case(name, lambda tf, x: tf.transpose(x, perm), (shape,), perm=perm)


@pytest.mark.parametrize("name,shape,perm,mode",
                         [pytest.param(n, s, p, m, id=f"{n}-{m}") for n, s, p, ms in CASES for m in ms])
def test_transpose_bit_exact(name, shape, perm, mode):
    model = convert(_case(name, shape, perm), mode)
    assert [op.opcode for op in read_model_bytes(model).main.operators if op.opcode != "RESHAPE"] == ["TRANSPOSE"]
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


@pytest.mark.parametrize("mode", ["int8", "float32"])
def test_rank6_kernel_against_numpy(mode):
    name, shape, perm, _ = CASES[4]
    model = convert(_case(name, shape, perm), mode)
    compiled = compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))
    (call,) = compiled.steps[0].calls
    assert dict(call.params)["rank"] == 5  # the batch axis of 1 drops out; no two axes merge
    host = HostModel(compiled)
    try:
        x = np.random.default_rng(0).integers(-128, 128, (1, *shape)).astype(compiled.inputs[0].dtype.np)
        (y,) = host.run([x])
    finally:
        host.close()
    assert np.array_equal(y, np.transpose(x, perm))


def test_transpose_fold():
    from codegen.ops.registry import handler
    name, shape, perm, _ = CASES[4]
    model = convert(_case(name, shape, perm), "float32")
    sg = read_model_bytes(model).main
    x = np.arange(72, dtype=np.float32).reshape(1, *shape)
    (y,) = handler("TRANSPOSE").fold(sg, sg.operators[0], [x, sg.tensors[sg.operators[0].inputs[1]].data])
    assert np.array_equal(y, np.transpose(x, perm))
