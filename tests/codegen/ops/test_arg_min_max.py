"""ARG_MAX and ARG_MIN against TFLM's interpreter: int8 and float32 inputs, int32 positions
(bit-exact). TFLM's kernel writes only int32 positions: the converter's default int64 output
(tf.math.argmax without output_type) fails TFLM's invoke and is refused here with that reason. The
converter has no int16x8 ARG_MAX. Ties and NaNs (inputs random inputs never give) are built directly.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.ops.registry import handler
from codegen.reference import TflmError, TflmReference
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Spec, single_op
from support.tfmodels import convert

FN = {"ARG_MAX": "argmax", "ARG_MIN": "argmin"}

# (id, opcode, input shape without batch, axis, modes)
CASES = [
    ("argmax_rank3_last_axis", "ARG_MAX", (5, 7), -1, ("int8", "float32")),
    ("argmax_rank4_axis_h", "ARG_MAX", (6, 3, 4), 1, ("int8", "float32")),
    ("argmin_rank4_axis_neg2", "ARG_MIN", (3, 5, 4), -2, ("int8", "float32")),
    ("argmin_rank2_axis1", "ARG_MIN", (13,), 1, ("int8", "float32")),
]


def _case(name, opcode, shape, axis, out="int32"):
    fn = FN[opcode]
    return lambda_case(name, lambda tf, x: getattr(tf.math, fn)(x, axis=axis, output_type=getattr(tf, out)),
                       (shape,), axis=axis, arg=fn, out=out)


@pytest.mark.parametrize("name,opcode,shape,axis,mode",
                         [pytest.param(n, o, s, a, m, id=f"{n}-{m}") for n, o, s, a, ms in CASES for m in ms])
def test_arg_min_max_bit_exact(name, opcode, shape, axis, mode):
    model = convert(_case(name, opcode, shape, axis), mode)
    assert [op.opcode for op in read_model_bytes(model).main.operators] == [opcode]
    r = compare_bytes(model, name, samples=8)
    assert r.exact, r


@pytest.mark.parametrize("opcode", ["ARG_MAX", "ARG_MIN"])
@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_arg_min_max_ties_and_nan(opcode, dtype):
    """Rows with repeated extremes (the first position wins) and, in float, NaNs anywhere."""
    rows = [[3, 7, 7, -2, 7], [-5, -5, 0, -5, 1], [0, 0, 0, 0, 0], [9, 1, 9, -9, -9]]
    x = np.array(rows, dtype=dtype).reshape(1, 4, 5)
    sets = [[x], [x[:, ::-1, ::-1].copy()]]
    if dtype == "float32":
        y = x.copy()
        y[0, 0, 0], y[0, 1, 2], y[0, 3, 4] = np.nan, np.nan, np.nan
        sets.append([y])
    q = {"scale": 0.1, "zero_point": 0} if dtype == "int8" else {}
    model = single_op(opcode, [Spec((1, 4, 5), dtype, **q), Spec((), "int32", data=2)], [Spec((1, 4), "int32")],
                   "ArgMaxOptions" if opcode == "ARG_MAX" else "ArgMinOptions", outputType=2)
    r = compare_inputs(model, f"{opcode}_ties_{dtype}", sets)
    assert r.exact, r


def test_arg_max_int64_output_refused_as_tflm_fails():
    model = convert(_case("argmax_int64_out", "ARG_MAX", (5, 7), -1, out="int64"), "int8")
    sg = read_model_bytes(model).main
    assert sg.tensors[sg.operators[0].outputs[0]].dtype.name == "INT64"
    ref = TflmReference(model)
    with pytest.raises(TflmError, match="invocation failed"):
        ref.run([np.zeros((1, 5, 7), np.int8)])
    with pytest.raises(UnsupportedModelError, match="output type int64 .TFLM's kernel writes only int32"):
        compile_model(read_model_bytes(model, source="argmax64.tflite"))


def test_arg_min_max_fold_matches_numpy_first_position():
    model = convert(_case(*CASES[1][:4]), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.round(np.random.default_rng(0).uniform(-2, 2, (1, 6, 3, 4))).astype(np.float32)
    (y,) = handler("ARG_MAX").fold(sg, op, [x, sg.tensors[op.inputs[1]].data])
    np.testing.assert_array_equal(y, np.argmax(x, axis=1))
