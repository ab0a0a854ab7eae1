"""DEPTH_TO_SPACE, SPACE_TO_DEPTH and REVERSE_V2 against TFLM's interpreter: pure permutations, so
int8 and float32 are exact (FLOAT_TOL = 0); REVERSE_V2 also in int16 (TFLM takes it) and on the
bool/int32/int64 types TFLM's kernel moves (built directly). TFLM's DEPTH_TO_SPACE / SPACE_TO_DEPTH
take no int16 (the converter has no int16x8 version either); REVERSE_V2 on non-contiguous axes fails
TFLM's invoke and is refused."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.ops.registry import handler
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Spec, single_op
from support.tfmodels import convert

# (id, input shape without batch, expression, opcode, modes)
CASES = [
    ("d2s_block2_c8", (3, 3, 8), "tf.nn.depth_to_space(x, 2)", "DEPTH_TO_SPACE", ("int8", "float32")),
    ("d2s_block3_c18_odd", (2, 5, 18), "tf.nn.depth_to_space(x, 3)", "DEPTH_TO_SPACE", ("int8", "float32")),
    ("s2d_block2_c3", (4, 6, 3), "tf.nn.space_to_depth(x, 2)", "SPACE_TO_DEPTH", ("int8", "float32")),
    ("s2d_block3_c1", (6, 3, 1), "tf.nn.space_to_depth(x, 3)", "SPACE_TO_DEPTH", ("int8", "float32")),
    ("reverse_rank4_hw", (4, 5, 3), "tf.reverse(x, [1, 2])", "REVERSE_V2", ("int8", "int16x8", "float32")),
    ("reverse_rank4_neg1", (4, 5, 3), "tf.reverse(x, [-1])", "REVERSE_V2", ("int8", "int16x8", "float32")),
    ("reverse_rank3_all_incl_batch", (5, 7), "tf.reverse(x, [0, 1, 2])", "REVERSE_V2", ("int8", "float32")),
    ("reverse_rank5_middle", (2, 3, 4, 5), "tf.reverse(x, [2, 3])", "REVERSE_V2", ("int8",)),
]


def _case(name, shape, expr):
    return lambda_case(name, lambda tf, x: eval(expr, {"tf": tf, "x": x}), (shape,), expr=expr)


@pytest.mark.parametrize("name,shape,expr,opcode,mode",
                         [pytest.param(n, s, e, o, m, id=f"{n}-{m}") for n, s, e, o, ms in CASES for m in ms])
def test_permutation_bit_exact(name, shape, expr, opcode, mode):
    model = convert(_case(name, shape, expr), mode)
    assert [op.opcode for op in read_model_bytes(model).main.operators] == [opcode]
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


@pytest.mark.parametrize("dtype", ["bool", "int32", "int64", "uint8"])
def test_reverse_other_types(dtype):
    shape = (1, 3, 4, 2)
    model = single_op("REVERSE_V2", [Spec(shape, dtype), Spec((2,), "int32", data=[2, 1])], [Spec(shape, dtype)])
    rng = np.random.default_rng(0)
    x = rng.integers(0, 2, shape).astype(bool) if dtype == "bool" else \
        rng.integers(-10**6 if dtype != "uint8" else 0, 255, shape).astype(dtype)
    r = compare_inputs(model, f"reverse_{dtype}", [[x]])
    assert r.exact, r


def test_reverse_non_contiguous_axes_refused():
    model = single_op("REVERSE_V2", [Spec((1, 3, 4, 2), "float32"), Spec((2,), "int32", data=[1, 3])],
                   [Spec((1, 3, 4, 2), "float32")])
    with pytest.raises(UnsupportedModelError, match=r"axes \[1, 3\] are not contiguous"):
        compile_model(read_model_bytes(model, source="rev13.tflite"))


@pytest.mark.parametrize("k", [1, 2, 4, 6])
def test_permutation_fold(k):
    name, shape, expr, opcode, _ = CASES[k]
    model = convert(_case(name, shape, expr), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.arange(int(np.prod(shape)), dtype=np.float32).reshape((1, *shape))
    import tensorflow as tf
    want = eval(expr, {"tf": tf, "x": tf.constant(x)}).numpy()
    (got,) = handler(opcode).fold(sg, op, [x] + [sg.tensors[i].data for i in op.inputs[1:]])
    np.testing.assert_array_equal(got, want)
