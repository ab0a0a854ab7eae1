"""GATHER_ND, EMBEDDING_LOOKUP and DYNAMIC_UPDATE_SLICE against TFLM's interpreter (values are only
copied, or for the hybrid EMBEDDING_LOOKUP dequantised with TFLM's float product: FLOAT_TOL = 0).

GATHER_ND comes from the converter (constant indices) and, with indices computed at run time, from
a directly built model fed chosen indices (random ones would leave the tensor, where TFLM fails the
invoke), including a component past its axis that TFLM accepts because the flat position stays
inside. The converter turns tf.nn.embedding_lookup into GATHER and emits no DYNAMIC_UPDATE_SLICE from
TensorFlow ops, so those models are built directly: every type TFLM takes, int32 and int64 start
indices, constant and run-time indices, clamping on both sides and a full-size update.
"""

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

GATHER_ND = [  # (id, params shape without batch, indices incl. batch coordinate)
    ("gather_nd_rank4_pairs", (4, 5, 3), [[[0, 1], [0, 3]]]),
    ("gather_nd_rank4_full_depth", (4, 5, 3), [[0, 3, 4, 2], [0, 0, 1, 1], [0, 2, 2, 0]]),
    ("gather_nd_rank3_depth1_slices", (6, 4), [[0], [0]]),
]


def _gnd(name, shape, idx):
    return lambda_case(name, lambda tf, x: tf.gather_nd(x, idx), (shape,), idx=idx)


@pytest.mark.parametrize("name,shape,idx,mode",
                         [pytest.param(n, s, i, m, id=f"{n}-{m}") for n, s, i in GATHER_ND for m in ("int8", "float32")])
def test_gather_nd_constant_indices(name, shape, idx, mode):
    model = convert(_gnd(name, shape, idx), mode)
    assert [op.opcode for op in read_model_bytes(model).main.operators] == ["GATHER_ND"]
    r = compare_bytes(model, name, samples=3)
    assert r.exact, r


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_gather_nd_run_time_indices(dtype):
    """A constant [4, 5, 3] table indexed by a [1, 3, 2] model input."""
    q = (0.1, 3) if dtype == "int8" else (None, 0)
    rng = np.random.default_rng(0)
    table = (rng.integers(-128, 128, (4, 5, 3)) if dtype == "int8" else rng.uniform(-1, 1, (4, 5, 3))).astype(dtype)
    model = single_op("GATHER_ND", [Spec((4, 5, 3), dtype, *q, data=table), Spec((1, 3, 2), "int32")],
                   [Spec((1, 3, 3), dtype, *q)])
    # [1, 7] is past axis 1 but its flat row 12 < 20: TFLM accepts it
    idx = [[[0, 0], [3, 4], [1, 7]], [[2, 2], [0, 4], [3, 0]]]
    r = compare_inputs(model, f"gather_nd_rt_{dtype}", [[np.array([i], np.int32)] for i in idx])
    assert r.exact, r


def test_gather_nd_fold():
    name, shape, idx = GATHER_ND[1]
    model = convert(_gnd(name, shape, idx), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[0]
    x = np.arange(60, dtype=np.float32).reshape(1, 4, 5, 3)
    (got,) = handler("GATHER_ND").fold(sg, op, [x, sg.tensors[op.inputs[1]].data])
    np.testing.assert_array_equal(got, np.stack([x[tuple(i)] for i in idx]))


def _embedding(table: Spec, out_dtype: str, q_out=(None, 0)) -> bytes:
    n = 4
    return single_op("EMBEDDING_LOOKUP", [Spec((n,), "int32"), table], [Spec((n, *table.shape[1:]), out_dtype, *q_out)])


TABLE = np.random.default_rng(5).integers(-128, 128, (6, 3, 2))


@pytest.mark.parametrize("kind", ["float32", "int8", "int8_to_float32_hybrid"])
def test_embedding_lookup(kind):
    if kind == "float32":
        model = _embedding(Spec((6, 3, 2), "float32", data=TABLE / 100.0), "float32")
    elif kind == "int8":
        model = _embedding(Spec((6, 3, 2), "int8", 0.03, -5, data=TABLE), "int8", (0.03, -5))
    else:
        model = _embedding(Spec((6, 3, 2), "int8", 0.0371, 0, data=TABLE), "float32")
    sets = [[np.array(ids, np.int32)] for ids in ([0, 5, 2, 2], [5, 4, 3, 1], [1, 1, 1, 0])]
    r = compare_inputs(model, f"embedding_{kind}", sets)
    assert r.exact, r


def test_embedding_lookup_hybrid_needs_zero_point_0():
    model = _embedding(Spec((6, 3, 2), "int8", 0.0371, 4, data=TABLE), "float32")
    with pytest.raises(UnsupportedModelError, match="zero point 0"):
        compile_model(read_model_bytes(model, source="emb_zp.tflite"))


DUS_TYPES = {"float32": (None, 0), "int8": (0.05, -2), "int16": (0.001, 0), "int32": (None, 0)}


def _values(dtype, shape, rng):
    if dtype == "float32":
        return rng.uniform(-1, 1, shape).astype(np.float32)
    info = np.iinfo(dtype)
    return rng.integers(max(info.min, -10**6), min(info.max, 10**6), shape).astype(dtype)


@pytest.mark.parametrize("dtype", list(DUS_TYPES))
@pytest.mark.parametrize("index_type", ["int32", "int64"])
def test_dynamic_update_slice_run_time_indices(dtype, index_type):
    """Start indices as a model input: inside, clamped past the end, negative (clamped to 0)."""
    q = DUS_TYPES[dtype]
    model = single_op("DYNAMIC_UPDATE_SLICE", [Spec((1, 5, 6, 3), dtype, *q), Spec((1, 2, 3, 3), dtype, *q),
                                            Spec((4,), index_type)], [Spec((1, 5, 6, 3), dtype, *q)])
    rng = np.random.default_rng(2)
    sets = [[_values(dtype, (1, 5, 6, 3), rng), _values(dtype, (1, 2, 3, 3), rng), np.array(i, index_type)]
            for i in ([0, 1, 2, 0], [0, 4, 9, 1], [-3, -1, 2, -7], [5, 3, 3, 0])]
    r = compare_inputs(model, f"dus_{dtype}_{index_type}", sets)
    assert r.exact, r


@pytest.mark.parametrize("case", ["constant_indices_rank3", "full_size_update_rank1", "rank3_last_axis"])
def test_dynamic_update_slice_shapes(case):
    if case == "constant_indices_rank3":
        specs = [Spec((1, 4, 7), "int8", 0.1, 0), Spec((1, 2, 3), "int8", 0.1, 0),
                 Spec((3,), "int32", data=[0, 1, 5])]
        out = Spec((1, 4, 7), "int8", 0.1, 0)
    elif case == "full_size_update_rank1":
        specs = [Spec((9,), "float32"), Spec((9,), "float32"), Spec((1,), "int64", data=[4])]
        out = Spec((9,), "float32")
    else:
        specs = [Spec((1, 3, 8), "int16", 0.01, 0), Spec((1, 3, 2), "int16", 0.01, 0),
                 Spec((3,), "int32", data=[0, 0, 7])]
        out = Spec((1, 3, 8), "int16", 0.01, 0)
    r = compare_bytes(single_op("DYNAMIC_UPDATE_SLICE", specs, [out]), f"dus_{case}", samples=3)
    assert r.exact, r


def test_dynamic_update_slice_fold_clamps():
    model = single_op("DYNAMIC_UPDATE_SLICE", [Spec((4, 7), "float32"), Spec((2, 3), "float32"),
                                            Spec((2,), "int32")], [Spec((4, 7), "float32")])
    sg = read_model_bytes(model).main
    x, u = np.zeros((4, 7), np.float32), np.ones((2, 3), np.float32)
    (y,) = handler("DYNAMIC_UPDATE_SLICE").fold(sg, sg.operators[0], [x, u, np.array([9, -2], np.int32)])
    want = x.copy()
    want[2:4, 0:3] = 1
    np.testing.assert_array_equal(y, want)
