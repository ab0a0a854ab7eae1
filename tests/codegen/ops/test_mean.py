"""MEAN against TFLM's interpreter: int8, int16x8 (bit-exact) and float32.

The converter gives MEAN its own output quantisation. `test_mean_equal_quant` edits the output
quantisation to equal the input's: older TFLM then divided the raw sum with truncation, the installed
one still requantises (QuantizedMeanOrSum), and so does mcuforge.

Float tolerance: FLOAT_TOL = 0. The kernel adds in TFLM's order (row-major over the reduced axes)
and divides by float(n) like TFLM; the host build has no FP contraction in a sum, so results are
identical.
"""

from __future__ import annotations

import pytest

from codegen.ops.mean import mean_scaling
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case, set_quant
from support.tfmodels import convert

ALL = ("int8", "int16x8", "float32")

# (id, input shape without batch, axes, keep_dims, modes)
CASES = [
    ("mean_rank4_hw_keepdims_global_pool", (5, 7, 3), (1, 2), True, ALL),
    ("mean_rank4_hw_no_keepdims", (4, 6, 5), (1, 2), False, ALL),
    ("mean_rank3_single_axis_neg1", (5, 9), (-1,), False, ALL),
    ("mean_rank2_axis1_keepdims", (13,), (1,), True, ("int8", "float32")),
    ("mean_rank4_single_axis_h", (6, 3, 4), (1,), True, ("int8", "int16x8")),
    ("mean_rank5_axes_1_3", (3, 2, 4, 5), (1, 3), False, ("int8", "float32")),
    ("mean_rank4_axes_neg3_neg1", (3, 5, 4), (-3, -1), True, ("int8",)),
    ("mean_rank5_three_axes", (3, 2, 4, 5), (1, 2, 4), False, ("int8", "float32")),
]


def _case(name, shape, axes, keep):
    return lambda_case(name, lambda tf, x: tf.reduce_mean(x, axis=list(axes), keepdims=keep), (shape,),
                       low=-0.3, high=1.0, axes=axes, keep=keep)


@pytest.mark.parametrize("name,shape,axes,keep,mode",
                         [pytest.param(n, s, a, k, m, id=f"{n}-{m}") for n, s, a, k, ms in CASES for m in ms])
def test_mean_bit_exact(name, shape, axes, keep, mode):
    model = convert(_case(name, shape, axes, keep), mode)
    sg = read_model_bytes(model).main
    assert [op.opcode for op in sg.operators] == ["MEAN"]
    assert bool(sg.operators[0].opt("keepDims")) == keep
    r = compare_bytes(model, name, samples=6)
    assert r.exact, r


@pytest.mark.parametrize("k,mode", [(0, "int8"), (2, "int8"), (1, "int16x8")])
def test_mean_equal_quant(k, mode):
    """Output quantised like the input: still TFLM's QuantizedMeanOrSum (not a truncating raw mean)."""
    name, shape, axes, keep, _ = CASES[k]
    model = convert(_case(name, shape, axes, keep), mode)
    sg = read_model_bytes(model).main
    q = sg.tensors[sg.operators[0].inputs[0]].quant
    edited = set_quant(model, sg.operators[0].outputs[0], q.s, q.zp)
    sg2 = read_model_bytes(edited).main
    qo = sg2.tensors[sg2.operators[0].outputs[0]].quant
    assert (qo.s, qo.zp) == (q.s, q.zp)
    r = compare_bytes(edited, name + "_eq", samples=6)
    assert r.exact, r


def test_mean_scaling_folds_count():
    # n = 35: shift by floor(log2 35) = 5, multiplier * 32 / 35 (truncated), shift - 5
    mult, shift = mean_scaling(0.5, 0.25, 35)
    assert (mult, shift) == (((1 << 30) << 5) // 35, 2 - 5)
    # the left shift is capped at 31 + shift
    mult, shift = mean_scaling(1e-9, 1.0, 1 << 20)
    assert shift >= -31
