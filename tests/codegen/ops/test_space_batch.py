"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND against TFLM's interpreter: int8 and float32 (data
movement: exact, FLOAT_TOL = 0). Rank 4 (two spatial dims) and rank 3 (one), with paddings and crops
on every side. TFLM's SPACE_TO_BATCH_ND pads with a value it never initialises (zero bytes on a fresh
arena, leftovers on recycled memory, as in a long test process), so padded positions are compared
with zero bytes (what a fresh TFLM writes, whatever the zero point: the int8 inputs in [0, 1] give a
zero point of -128) and every other position with TFLM. TFLM's kernels take no int16 (the
converter's int16x8 model is refused with that reason)."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.ops.registry import handler
from codegen.tflite import read_model_bytes
from support.opcases import lambda_case
from support.tfmodels import convert

MODES = ("int8", "float32")

# (id, input shape without batch, expression, opcodes after conversion)
CASES = [
    ("s2b_rank4_block2x2_pads_all_sides", (4, 5, 3), "tf.space_to_batch(x, [2, 2], [[1, 1], [0, 1]])",
     ["SPACE_TO_BATCH_ND"]),
    ("s2b_rank4_block3x1_no_pad", (6, 2, 2), "tf.space_to_batch(x, [3, 1], [[0, 0], [0, 0]])",
     ["SPACE_TO_BATCH_ND"]),
    ("s2b_rank3_block2_pad_bottom", (5, 4), "tf.space_to_batch(x, [2], [[0, 1]])", ["SPACE_TO_BATCH_ND"]),
    ("b2s_rank4_block2x2_crops_all_sides", (4, 4, 3),
     "tf.batch_to_space(tf.reshape(x, (4, 2, 2, 3)), [2, 2], [[0, 1], [1, 0]])",
     ["RESHAPE", "BATCH_TO_SPACE_ND"]),
    ("b2s_rank4_block1x3_no_crop", (3, 2, 2),
     "tf.batch_to_space(tf.reshape(x, (3, 2, 1, 2)), [1, 3], [[0, 0], [0, 0]])",
     ["RESHAPE", "BATCH_TO_SPACE_ND"]),
    ("b2s_rank3_block2_crop_top", (6, 3), "tf.batch_to_space(tf.reshape(x, (2, 3, 3)), [2], [[1, 0]])",
     ["RESHAPE", "BATCH_TO_SPACE_ND"]),
]


def _case(name, shape, expr):
    return lambda_case(name, lambda tf, x: eval(expr, {"tf": tf, "x": x}), (shape,), low=0.0, high=1.0, expr=expr)


def _padded(sg) -> np.ndarray:
    """Where SPACE_TO_BATCH_ND's output (the model's last op) is padding: the fold of all-ones is 0."""
    op = sg.operators[-1]
    ones = np.ones(sg.tensors[op.inputs[0]].shape, np.float32)
    (y,) = handler(op.opcode).fold(sg, op, [ones] + [sg.tensors[i].data for i in op.inputs[1:]])
    return y == 0


@pytest.mark.parametrize("name,shape,expr,ops,mode",
                         [pytest.param(n, s, e, o, m, id=f"{n}-{m}") for n, s, e, o in CASES for m in MODES])
def test_space_batch_bit_exact(name, shape, expr, ops, mode):
    from codegen.reference import random_inputs
    from support.compare import host_and_reference
    model = convert(_case(name, shape, expr), mode)
    sg = read_model_bytes(model).main
    assert [op.opcode for op in sg.operators] == ops
    pad = _padded(sg) if ops[-1] == "SPACE_TO_BATCH_ND" else None
    rng = np.random.default_rng(0)
    with host_and_reference(model, name) as (compiled, host, ref):
        for _ in range(4):
            xs = random_inputs(compiled.inputs, rng)
            (got,), (want,) = host.run(xs), ref.run(xs)
            want = np.asarray(want).reshape(got.shape)
            if pad is not None:
                assert pad.any() or "no_pad" in name
                assert not got[pad].any()  # zero bytes
                got, want = got[~pad], want[~pad]
            np.testing.assert_array_equal(got, want)


def test_space_to_batch_int16_refused():
    model = convert(_case(*CASES[0][:3]), "int16x8")
    with pytest.raises(UnsupportedModelError, match="type int16 .TFLM's SPACE_TO_BATCH_ND takes float32 and int8"):
        compile_model(read_model_bytes(model, source="s2b16.tflite"))


@pytest.mark.parametrize("k", [0, 2, 3, 5])
def test_space_batch_fold_matches_kernel(k):
    name, shape, expr, ops = CASES[k]
    model = convert(_case(name, shape, expr), "float32")
    sg = read_model_bytes(model).main
    op = sg.operators[-1]
    from support.compare import host_and_reference
    with host_and_reference(model, name) as (compiled, host, _):
        x = np.random.default_rng(k).uniform(0, 1, compiled.inputs[0].shape).astype(np.float32)
        (want,) = host.run([x])
    x_op = x.reshape(sg.tensors[op.inputs[0]].shape)
    (got,) = handler(op.opcode).fold(sg, op, [x_op] + [sg.tensors[i].data for i in op.inputs[1:]])
    np.testing.assert_array_equal(got.reshape(want.shape), want)
