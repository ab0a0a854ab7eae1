"""L2_NORMALIZATION and L2_POOL_2D against TFLM's interpreter.

L2_NORMALIZATION: int8 bit-exact (TFLM's run-time inverse square root: rows of every length class,
rows of only the zero point, a single non-zero element) and float32 (FLOAT_TOL = 0: TFLM's order,
sqrtf and a division, measured exact). The converter has no int16x8 L2_NORMALIZATION and TFLM none
either. L2_POOL_2D: the converter never emits it, so its models are built directly (float32, the
only type TFLM runs; int8 is refused with TFLM's reason); SAME/VALID, strides, fused activations.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.tflite import read_model_bytes
from codegen.tflite.schema import fb
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Spec, single_op
from support.tfmodels import convert

NORM = [("l2norm_rank4_c3", (4, 5, 3)), ("l2norm_rank2_c64", (64,)), ("l2norm_rank3_c17", (3, 17))]


def _norm(name, shape, low=-1.0):
    return lambda_case(name, lambda tf, x: tf.math.l2_normalize(x, axis=-1), (shape,), low=low, high=1.0)


@pytest.mark.parametrize("name,shape,mode", [pytest.param(n, s, m, id=f"{n}-{m}") for n, s in NORM
                                              for m in ("int8", "float32")])
def test_l2_normalization_bit_exact(name, shape, mode):
    model = convert(_norm(name, shape), mode)
    assert [op.opcode for op in read_model_bytes(model).main.operators] == ["L2_NORMALIZATION"]
    r = compare_bytes(model, name, samples=10)
    assert r.exact, r


def test_l2_normalization_int8_corner_rows():
    """Rows equal to the zero point (sum 0), one element off by 1 (sum 1), and extremes: TFLM's
    special cases of its inverse square root and its largest sums."""
    model = convert(_norm(*NORM[2]), "int8")
    sg = read_model_bytes(model).main
    zp = sg.tensors[sg.operators[0].inputs[0]].quant.zp
    rows = np.full((3, 17), zp, dtype=np.int64)
    rows[1, 4] += 1 if zp < 127 else -1
    rows[2] = np.where(np.arange(17) % 2, 127, -128)
    sets = [[rows.reshape(1, 3, 17).astype(np.int8)], [np.full((1, 3, 17), -128, np.int8)],
            [np.full((1, 3, 17), 127, np.int8)]]
    r = compare_inputs(model, "l2norm_corners", sets)
    assert r.exact, r


POOLS = [  # (id, input hwc, filter hw, strides hw, padding, activation)
    ("l2pool_k3s2_same_clipped", (7, 6, 3), (3, 3), (2, 2), "SAME", "NONE"),
    ("l2pool_k2x3s1x2_valid_relu6", (5, 7, 2), (2, 3), (1, 2), "VALID", "RELU6"),
    ("l2pool_k2s2_valid_relu_n1_to_1", (6, 6, 4), (2, 2), (2, 2), "VALID", "RELU_N1_TO_1"),
]


def _out(n, k, s, padding):
    return (n + s - 1) // s if padding == "SAME" else (n - k + s) // s


def _pool(shape, k, s, padding, act, dtype="float32"):
    oh, ow = _out(shape[0], k[0], s[0], padding), _out(shape[1], k[1], s[1], padding)
    q = (0.05, 0) if dtype == "int8" else (None, 0)
    return single_op("L2_POOL_2D", [Spec((1, *shape), dtype, *q)], [Spec((1, oh, ow, shape[2]), dtype, *q)],
                  "Pool2DOptions", padding=getattr(fb.Padding, padding), strideH=s[0], strideW=s[1],
                  filterHeight=k[0], filterWidth=k[1],
                  fusedActivationFunction=getattr(fb.ActivationFunctionType, act))


@pytest.mark.parametrize("name,shape,k,s,padding,act", POOLS, ids=[p[0] for p in POOLS])
def test_l2_pool_float32(name, shape, k, s, padding, act):
    r = compare_bytes(_pool(shape, k, s, padding, act), name, samples=6)
    assert r.exact, r


def test_l2_pool_int8_refused():
    with pytest.raises(UnsupportedModelError, match="type int8 .TFLM's L2_POOL_2D takes only float32"):
        compile_model(read_model_bytes(_pool((4, 4, 2), (2, 2), (2, 2), "VALID", "NONE", "int8"), source="l2p.tflite"))
