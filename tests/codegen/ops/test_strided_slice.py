"""STRIDED_SLICE and SLICE: the run-time kernel against TFLM (int8, int16x8 bit-exact; float32
exact, FLOAT_TOL = 0, since values are only copied), the build-time resolution of begin/end/strides
and masks against TensorFlow's own strided_slice, and the numpy fold.

TFLM runs STRIDED_SLICE up to rank 4; rank 5 runs through the same generic kernel and is checked
against numpy.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel
from codegen.ops.strided_slice import axis_ranges
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case
from support.tfmodels import _tf, convert

ALL = ("int8", "int16x8", "float32")

# (id, input shape without batch, python slice expression applied to x, modes)
CASES = [
    ("ss_rank2_step2", (9,), "x[:, 1::2]", ALL),
    ("ss_rank3_negative_stride_reverse", (5, 6), "x[:, ::-1, 1:4]", ("int8", "float32")),
    ("ss_rank4_shrink_axis_mid", (3, 4, 5), "x[:, 2, :, 1:]", ALL),
    ("ss_rank4_neg_begin_end_odd_step", (5, 7, 3), "x[:, -3:, :-1:3, ::2]", ("int8", "int16x8")),
    ("ss_rank3_neg_stride_bounds", (6, 4), "x[:, 4:0:-2, -1:0:-1]", ("int8", "float32")),
    ("ss_rank4_shrink_last_two", (3, 4, 5), "x[:, 1:, -1, 3]", ("int8",)),
    ("slice_rank3_size_minus1", (4, 6), "tf.slice(x, [0, 1, 2], [1, 2, -1])", ("int8", "float32")),
]


def _case(name, shape, expr):
    return lambda_case(name, lambda tf, x: eval(expr, {"tf": tf, "x": x}), (shape,), expr=expr)


@pytest.mark.parametrize("name,shape,expr,mode",
                         [pytest.param(n, s, e, m, id=f"{n}-{m}") for n, s, e, ms in CASES for m in ms])
def test_strided_slice_bit_exact(name, shape, expr, mode):
    model = convert(_case(name, shape, expr), mode)
    ops = [op.opcode for op in read_model_bytes(model).main.operators]
    assert ops == (["SLICE"] if expr.startswith("tf.slice") else ["STRIDED_SLICE"])
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


def test_rank5_kernel_against_numpy():
    """TFLM stops at rank 4; the generic kernel handles rank 5 (checked against numpy slicing)."""
    model = convert(_case("ss_rank5_mixed", (3, 4, 2, 5), "x[:, ::-1, 1:4, :, 4:0:-2]"), "int8")
    compiled = compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))
    assert [s.opcode for s in compiled.steps] == ["STRIDED_SLICE"]
    host = HostModel(compiled)
    try:
        x = np.random.default_rng(0).integers(-128, 128, (1, 3, 4, 2, 5)).astype(np.int8)
        (y,) = host.run([x])
    finally:
        host.close()
    assert np.array_equal(y, x[:, ::-1, 1:4, :, 4:0:-2])


def _random_spec(rng, shape):
    begin, end, strides = [], [], []
    bm = em = sm = 0
    for a, n in enumerate(shape):
        s = int(rng.choice([1, 2, 3, -1, -2]))
        strides.append(s)
        begin.append(int(rng.integers(-n - 2, n + 2)))
        end.append(int(rng.integers(-n - 2, n + 2)))
        bm |= int(rng.random() < 0.3) << a
        em |= int(rng.random() < 0.3) << a
        if rng.random() < 0.2:
            sm |= 1 << a
            begin[-1] = int(rng.integers(-n, n))
            strides[-1] = 1
            bm &= ~(1 << a)
    return begin, end, strides, bm, em, sm


@pytest.mark.parametrize("rank", [2, 3, 4, 5])
def test_axis_ranges_match_tensorflow(rank):
    """Begin/end/strides/masks resolved at build time equal TensorFlow's strided_slice, for random
    specs with negative indices, out-of-range bounds, masks, shrink axes and negative strides."""
    tf = _tf()
    rng = np.random.default_rng(rank)
    shape = tuple(int(d) for d in rng.integers(1, 6, rank))
    x = np.arange(int(np.prod(shape)), dtype=np.int32).reshape(shape)
    for _ in range(40):
        begin, end, strides, bm, em, sm = _random_spec(rng, shape)
        want = tf.strided_slice(x, begin, end, strides, begin_mask=bm, end_mask=em,
                                shrink_axis_mask=sm).numpy()
        ranges = axis_ranges(shape, begin, end, strides, bm, em, sm)
        idx = np.ix_(*[np.arange(st, st + c * s, s) for st, c, s, _ in ranges])
        got = x[idx].reshape([c for _, c, _, shrink in ranges if not shrink])
        assert got.shape == want.shape and np.array_equal(got, want), (begin, end, strides, bm, em, sm)


def test_fold_matches_tensorflow():
    from codegen.ops.registry import handler
    model = convert(_case(*CASES[3][:3]), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.random.default_rng(1).standard_normal((1, 5, 7, 3)).astype(np.float32)
    (y,) = handler("STRIDED_SLICE").fold(sg, op, [x] + [sg.tensors[i].data for i in op.inputs[1:]])
    assert np.array_equal(y, x[:, -3:, :-1:3, ::2])
