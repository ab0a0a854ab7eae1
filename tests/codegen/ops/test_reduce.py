"""REDUCE_MAX, REDUCE_MIN, SUM and REDUCE_ALL against TFLM's interpreter: int8, int16x8 (SUM) and
bool (REDUCE_ALL) bit-exact, float32 exact too (FLOAT_TOL = 0: max/min only pick values, and SUM adds
in TFLM's order from 0.0f).

The converter makes the int8/int16/float32 cases from Keras; REDUCE_ALL needs a bool input, which a
Keras model only gets from a comparison, so its cases are built directly (support.tflite_build), as
are the float corner cases (NaN, infinities) that random inputs never hit.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.ops.registry import handler
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case, set_quant
from support.tflite_build import Spec, single_op
from support.tfmodels import convert

FN = {"REDUCE_MAX": "reduce_max", "REDUCE_MIN": "reduce_min", "SUM": "reduce_sum"}

# (id, opcode, input shape without batch, axes, keep_dims, modes)
CASES = [
    ("max_rank4_axes_1_neg1_keepdims", "REDUCE_MAX", (4, 5, 6), (1, -1), True, ("int8", "float32")),
    ("max_rank3_single_axis", "REDUCE_MAX", (5, 7), (2,), False, ("int8", "float32")),
    ("max_rank5_every_axis_but_batch", "REDUCE_MAX", (2, 3, 4, 3), (1, 2, 3, 4), False, ("int8", "float32")),
    ("min_rank4_axis_h", "REDUCE_MIN", (4, 5, 6), (1,), True, ("int8", "float32")),
    ("min_rank3_axes_neg2_neg1", "REDUCE_MIN", (5, 7), (-2, -1), False, ("int8", "float32")),
    ("sum_rank4_hw", "SUM", (4, 5, 6), (1, 2), False, ("int8", "int16x8", "float32")),
    ("sum_rank3_axis_neg1_keepdims", "SUM", (9, 13), (-1,), True, ("int8", "int16x8", "float32")),
    ("sum_rank5_axes_1_3", "SUM", (3, 2, 4, 5), (1, 3), False, ("int8", "int16x8", "float32")),
    ("sum_rank2_odd", "SUM", (11,), (1,), False, ("int8", "float32")),
]


def _case(name, opcode, shape, axes, keep):
    fn = FN[opcode]
    return lambda_case(name, lambda tf, x: getattr(tf, fn)(x, axis=list(axes), keepdims=keep), (shape,),
                       low=-1.0, high=3.0, axes=axes, keep=keep, reduce=fn)


@pytest.mark.parametrize("name,opcode,shape,axes,keep,mode",
                         [pytest.param(n, o, s, a, k, m, id=f"{n}-{m}") for n, o, s, a, k, ms in CASES for m in ms])
def test_reduce_bit_exact(name, opcode, shape, axes, keep, mode):
    model = convert(_case(name, opcode, shape, axes, keep), mode)
    sg = read_model_bytes(model).main
    assert [op.opcode for op in sg.operators] == [opcode]
    assert bool(sg.operators[0].opt("keepDims")) == keep
    r = compare_bytes(model, name, samples=6)
    assert r.exact, r


def _float_corners(opcode: str) -> tuple[bytes, list[list[np.ndarray]]]:
    """[1, 3, 4] over axis 2: rows with NaNs, infinities of both signs, only NaNs."""
    nan, inf = np.nan, np.inf
    x = np.array([[[1.0, nan, -2.0, nan], [-inf, -inf, -inf, -inf], [inf, -inf, nan, 3.0]]], dtype=np.float32)
    model = single_op(opcode, [Spec((1, 3, 4), "float32"), Spec((1,), "int32", data=[2])], [Spec((1, 3), "float32")],
                   "ReducerOptions", keepDims=False)
    return model, [[x], [np.full((1, 3, 4), nan, dtype=np.float32)], [-x]]


@pytest.mark.parametrize("opcode", ["REDUCE_MAX", "REDUCE_MIN", "SUM"])
def test_reduce_float_nan_and_infinities(opcode):
    """TFLM's float max/min start from -+FLT_MAX and skip NaNs (a row of -inf gives -FLT_MAX); SUM
    propagates them. Compared element for element (NaN positions must agree)."""
    model, sets = _float_corners(opcode)
    from support.compare import host_and_reference
    with host_and_reference(model, f"corners_{opcode}") as (_, host, ref):
        for xs in sets:
            np.testing.assert_array_equal(host.run(xs)[0], ref.run(xs)[0])


@pytest.mark.parametrize("axes,keep", [((2,), False), ((1, 3), True), ((-1, 1, 2), False), ((0, 2, 2), True)])
def test_reduce_all_bool(axes, keep):
    shape = (1, 3, 4, 5)
    red = [a % 4 for a in axes]
    out_shape = tuple(1 if k in red else d for k, d in enumerate(shape)) if keep else \
        tuple(d for k, d in enumerate(shape) if k not in red)
    model = single_op("REDUCE_ALL", [Spec(shape, "bool"), Spec((len(axes),), "int32", data=list(axes))],
                   [Spec(out_shape, "bool")], "ReducerOptions", keepDims=keep)
    rng = np.random.default_rng(1)
    sets = [[rng.random(shape) < p] for p in (0.5, 0.9, 0.97, 1.0)]
    r = compare_inputs(model, "reduce_all", sets)
    assert r.exact, r


def test_reduce_max_int16_refused():
    """TFLM's REDUCE_MAX/MIN take float32 and int8 only: the int16x8 model is refused with that reason."""
    model = convert(_case(*CASES[0][:5]), "int16x8")
    with pytest.raises(UnsupportedModelError, match="REDUCE_MAX: type int16 .supported: float32, int8 .TFLM"):
        compile_model(read_model_bytes(model, source="max16.tflite"))


def test_reduce_max_int8_requantising_refused():
    model = convert(_case(*CASES[0][:5]), "int8")
    sg = read_model_bytes(model).main
    edited = set_quant(model, sg.operators[0].outputs[0], 0.5, 3)
    with pytest.raises(UnsupportedModelError, match="quantised differently from the input"):
        compile_model(read_model_bytes(edited, source="max_rq.tflite"))


@pytest.mark.parametrize("k,mode", [(0, "float32"), (3, "int8"), (5, "int16x8"), (7, "float32")])
def test_reduce_fold_matches_kernel(k, mode):
    """Constant folding computes exactly what the kernel computes (checked on the host build)."""
    name, opcode, shape, axes, keep, _ = CASES[k]
    model = convert(_case(name, opcode, shape, axes, keep), mode)
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    from support.compare import host_and_reference
    rng = np.random.default_rng(3)
    with host_and_reference(model, name) as (compiled, host, _):
        from codegen.reference import random_inputs
        xs = random_inputs(compiled.inputs, rng)
        (want,) = host.run(xs)
    (got,) = handler(opcode).fold(sg, op, [xs[0], sg.tensors[op.inputs[1]].data])
    np.testing.assert_array_equal(np.asarray(got).reshape(want.shape), want)
