"""PAD and PADV2 against TFLM's interpreter: int8, int16x8 (bit-exact) and float32.

Data movement only: every output value is an input value or the pad value, so float32 is compared
exactly too (FLOAT_TOL = 0). Inputs in [0, 1] give int8 a zero point of -128, so PAD's pad value
(the output zero point) differs from 0.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import GenerateOptions, compile_model
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case
from support.tfmodels import convert

ALL = ("int8", "int16x8", "float32")

# (id, input shape without batch, paddings incl. batch, constant value or None, modes)
CASES = [
    ("pad_rank4_hw_image_style", (3, 4, 2), ((0, 0), (1, 2), (0, 1), (0, 0)), None, ALL),
    ("pad_rank2_odd", (7,), ((0, 0), (2, 3)), None, ALL),
    ("pad_rank3_every_axis_incl_batch", (3, 5), ((1, 0), (0, 2), (1, 1)), None, ("int8", "float32")),
    ("pad_rank5_channels", (2, 3, 1, 3), ((0, 0), (1, 0), (0, 0), (2, 1), (1, 2)), None, ("int8", "int16x8")),
    ("padv2_rank4_constant_half", (3, 4, 2), ((0, 0), (1, 1), (2, 0), (0, 1)), 0.5, ("int8", "float32")),
    ("padv2_rank3_constant_neg", (5, 3), ((0, 0), (0, 3), (1, 0)), -0.25, ("int8", "float32")),
]


def _case(name, shape, pads, value):
    def fn(tf, x):
        if value is None:
            return tf.pad(x, pads)
        return tf.pad(x, pads, constant_values=value)
    return lambda_case(name, fn, (shape,), low=0.0, high=1.0, pads=pads, value=value)


@pytest.mark.parametrize("name,shape,pads,value,mode",
                         [pytest.param(n, s, p, v, m, id=f"{n}-{m}") for n, s, p, v, ms in CASES for m in ms])
def test_pad_bit_exact(name, shape, pads, value, mode):
    model = convert(_case(name, shape, pads, value), mode)
    ops = [op.opcode for op in read_model_bytes(model).main.operators]
    assert ops == (["PAD"] if value is None else ["PADV2"])
    r = compare_bytes(model, name, samples=4)
    assert r.exact, r


def test_int8_pad_value_is_output_zero_point():
    model = convert(_case(*CASES[0][:4]), "int8")
    out = read_model_bytes(model).main
    zp = out.tensors[out.outputs[0]].quant.zp
    assert zp == -128
    call = compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m")).steps[0].calls[0]
    assert dict(call.params)["pad_bits"] & 0xFF == zp & 0xFF


def test_padv2_int16_float_constant_refused():
    """The converter leaves PADV2's constant float32 in int16x8 models; TFLM refuses it too."""
    model = convert(_case(*CASES[4][:4]), "int16x8")
    with pytest.raises(UnsupportedModelError, match="constant of type float32"):
        compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))


def test_pad_fold_matches_numpy():
    from codegen.ops.registry import handler
    model = convert(_case(*CASES[1][:4]), "float32")
    sg = read_model_bytes(model).main
    x = np.arange(7, dtype=np.float32).reshape(1, 7)
    (y,) = handler("PAD").fold(sg, sg.operators[0], [x, None])
    assert np.array_equal(y, np.pad(x, ((0, 0), (2, 3))))
