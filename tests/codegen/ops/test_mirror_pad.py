"""MIRROR_PAD against TFLM's interpreter: REFLECT and SYMMETRIC, paddings on every axis up to the
largest TensorFlow allows, int8 and float32 (exact: values are copied, FLOAT_TOL = 0). TFLM's kernel
takes no int16 (the converter's int16x8 model is refused with that reason); int64 paddings are built
directly."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.ops.registry import handler
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case
from support.tflite_build import Spec, single_op
from support.tfmodels import convert

# (id, input shape without batch, paddings incl. batch, mode)
CASES = [
    ("mirror_reflect_rank4_hw", (4, 5, 3), ((0, 0), (1, 2), (2, 1), (0, 0)), "REFLECT"),
    ("mirror_symmetric_rank4_hw_max", (4, 5, 3), ((0, 0), (4, 3), (0, 5), (0, 0)), "SYMMETRIC"),
    ("mirror_reflect_rank3_all_axes_max", (5, 4), ((0, 0), (4, 4), (3, 2)), "REFLECT"),
    ("mirror_symmetric_rank4_channels", (2, 3, 4), ((0, 0), (0, 0), (1, 2), (3, 1)), "SYMMETRIC"),
]


def _case(name, shape, pads, mode):
    return lambda_case(name, lambda tf, x: tf.pad(x, pads, mode=mode), (shape,), pads=pads, mode=mode)


@pytest.mark.parametrize("name,shape,pads,mode,dtype",
                         [pytest.param(*c, m, id=f"{c[0]}-{m}") for c in CASES for m in ("int8", "float32")])
def test_mirror_pad_bit_exact(name, shape, pads, mode, dtype):
    model = convert(_case(name, shape, pads, mode), dtype)
    ops = read_model_bytes(model).main.operators
    assert [op.opcode for op in ops] == ["MIRROR_PAD"]
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


def test_mirror_pad_int64_paddings():
    shape = (1, 3, 4, 2)
    model = single_op("MIRROR_PAD", [Spec(shape, "float32"), Spec((4, 2), "int64", data=[[0, 0], [2, 1], [1, 3], [0, 1]])],
                   [Spec((1, 6, 8, 3), "float32")], "MirrorPadOptions", mode=1)
    r = compare_bytes(model, "mirror_int64", samples=2)
    assert r.exact, r


def test_mirror_pad_int16_refused():
    model = convert(_case(*CASES[0]), "int16x8")
    with pytest.raises(UnsupportedModelError, match="type int16 .TFLM's MIRROR_PAD takes float32 and int8"):
        compile_model(read_model_bytes(model, source="mirror16.tflite"))


def test_mirror_pad_too_wide_refused():
    model = single_op("MIRROR_PAD", [Spec((1, 3, 2), "float32"), Spec((3, 2), "int32", data=[[0, 0], [3, 0], [0, 0]])],
                   [Spec((1, 6, 2), "float32")], "MirrorPadOptions", mode=0)
    with pytest.raises(UnsupportedModelError, match="reach beyond the input"):
        compile_model(read_model_bytes(model, source="mirror_wide.tflite"))


@pytest.mark.parametrize("k", range(len(CASES)))
def test_mirror_pad_fold(k):
    name, shape, pads, mode = CASES[k]
    model = convert(_case(name, shape, pads, mode), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape((1, *shape))
    (got,) = handler("MIRROR_PAD").fold(sg, op, [x, sg.tensors[op.inputs[1]].data])
    np.testing.assert_array_equal(got, np.pad(x, pads, mode=mode.lower()))
