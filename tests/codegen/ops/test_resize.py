"""RESIZE_NEAREST_NEIGHBOR and RESIZE_BILINEAR against TFLM's interpreter, over align_corners x
half_pixel_centers, up- and downsampling and odd sizes. Nearest neighbour only copies (int8, int16x8
and float32 exact, FLOAT_TOL = 0). Bilinear int8 is TFLM's fixed-point path (bit-exact); float32 uses
TFLM's weights and product order (FLOAT_TOL = 0, measured exact). TFLM refuses int16 bilinear and
bilinear with both flags; so does mcuforge."""

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

OP = {"nearest": ("ResizeNearestNeighbor", "RESIZE_NEAREST_NEIGHBOR"), "bilinear": ("ResizeBilinear", "RESIZE_BILINEAR")}
FLAGS = {"plain": (False, False), "align_corners": (True, False), "half_pixel": (False, True)}

# (input shape without batch, output size)
SIZES = [((4, 5, 3), (7, 9)), ((6, 7, 2), (3, 4)), ((1, 3, 2), (5, 1)), ((5, 5, 1), (5, 8))]


def _case(method, flags, shape, size):
    raw, _ = OP[method]
    align, half = FLAGS[flags]
    name = f"resize_{method}_{flags}_{'x'.join(map(str, shape[:2]))}_to_{'x'.join(map(str, size))}"
    return lambda_case(name, lambda tf, x: getattr(tf.raw_ops, raw)(images=x, size=list(size), align_corners=align,
                                                                     half_pixel_centers=half),
                       (shape,), low=-2.0, high=2.0, size=size, align=align, half=half, method=method)


def _params(method, modes):
    return [pytest.param(method, f, shape, size, m, id=f"{method}-{f}-{'x'.join(map(str, shape[:2]))}"
                         f"_to_{'x'.join(map(str, size))}-{m}")
            for f in FLAGS for shape, size in SIZES for m in modes]


@pytest.mark.parametrize("method,flags,shape,size,mode",
                         _params("nearest", ("int8", "int16x8", "float32")) +
                         _params("bilinear", ("int8", "float32")))
def test_resize_bit_exact(method, flags, shape, size, mode):
    case = _case(method, flags, shape, size)
    model = convert(case, mode)
    ops = read_model_bytes(model).main.operators
    assert [op.opcode for op in ops] == [OP[method][1]]
    assert (ops[0].opt("alignCorners"), ops[0].opt("halfPixelCenters")) == FLAGS[flags]
    r = compare_bytes(model, case.name, samples=3)
    assert r.exact, r


def test_resize_bilinear_int16_refused():
    model = convert(_case("bilinear", "half_pixel", *SIZES[0]), "int16x8")
    with pytest.raises(UnsupportedModelError, match="type int16 .TFLM's RESIZE_BILINEAR takes float32, int8"):
        compile_model(read_model_bytes(model, source="bilinear16.tflite"))


def test_resize_bilinear_both_flags_refused():
    model = single_op("RESIZE_BILINEAR", [Spec((1, 3, 3, 1), "float32"), Spec((2,), "int32", data=[5, 5])],
                   [Spec((1, 5, 5, 1), "float32")], "ResizeBilinearOptions", alignCorners=True, halfPixelCenters=True)
    with pytest.raises(UnsupportedModelError, match="half_pixel_centers with align_corners"):
        compile_model(read_model_bytes(model, source="bilinear_flags.tflite"))


def test_resize_nearest_fold():
    model = convert(_case("nearest", "align_corners", *SIZES[0]), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.random.default_rng(0).uniform(-1, 1, (1, 4, 5, 3)).astype(np.float32)
    import tensorflow as tf
    want = tf.raw_ops.ResizeNearestNeighbor(images=x, size=[7, 9], align_corners=True).numpy()
    (got,) = handler(op.opcode).fold(sg, op, [x, sg.tensors[op.inputs[1]].data])
    np.testing.assert_array_equal(got, want)
