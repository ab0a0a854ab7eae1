"""CONCATENATION and PACK against TFLM's interpreter: int8, int16x8 (bit-exact) and float32.

Differently quantised inputs (the converter never emits them; the tests edit a model): TFLM refuses
them for int8 CONCATENATION, and copies raw values for int16 CONCATENATION and for PACK; mcuforge
does the same. Data movement only, so float32 is compared exactly (FLOAT_TOL = 0).
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import GenerateOptions, compile_model
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.opcases import lambda_case, set_quant
from support.tfmodels import convert

ALL = ("int8", "int16x8", "float32")

# (id, input shapes without batch, axis, modes)
CONCAT = [
    ("concat_rank4_axis_last_3_inputs", ((3, 4, 2), (3, 4, 3), (3, 4, 1)), -1, ALL),
    ("concat_rank3_axis1", ((2, 5), (3, 5)), 1, ALL),
    ("concat_rank2_axis_neg1_odd", ((7,), (3,)), -1, ("int8", "float32")),
    ("concat_rank4_axis_neg3", ((1, 3, 2), (2, 3, 2)), -3, ("int8", "int16x8")),
    ("concat_rank3_batch_axis0", ((2, 3), (2, 3)), 0, ("float32",)),
]

PACK = [
    ("pack_rank2_to_3_axis_neg1", ((4, 3), (4, 3)), -1, ALL),
    ("pack_rank1_to_2_axis1_three", ((5,), (5,), (5,)), 1, ("int8", "float32")),
]


def _concat(name, shapes, axis):
    return lambda_case(name, lambda tf, *xs: tf.concat(list(xs), axis=axis), shapes, axis=axis, op="concat")


def _pack(name, shapes, axis):
    return lambda_case(name, lambda tf, *xs: tf.stack(list(xs), axis=axis), shapes, axis=axis, op="pack")


def _opcodes(model: bytes) -> list[str]:
    return [op.opcode for op in read_model_bytes(model).main.operators]


@pytest.mark.parametrize("name,shapes,axis,mode",
                         [pytest.param(n, s, a, m, id=f"{n}-{m}") for n, s, a, ms in CONCAT for m in ms])
def test_concat_bit_exact(name, shapes, axis, mode):
    model = convert(_concat(name, shapes, axis), mode)
    assert _opcodes(model).count("CONCATENATION") == 1  # int16x8 may requantise inputs first
    r = compare_bytes(model, name, samples=4)
    assert r.exact, r


@pytest.mark.parametrize("name,shapes,axis,mode",
                         [pytest.param(n, s, a, m, id=f"{n}-{m}") for n, s, a, ms in PACK for m in ms])
def test_pack_bit_exact(name, shapes, axis, mode):
    model = convert(_pack(name, shapes, axis), mode)
    assert _opcodes(model).count("PACK") == 1  # int16x8 may requantise inputs first
    r = compare_bytes(model, name, samples=4)
    assert r.exact, r


def _edit_first_input(model: bytes, opcode: str, scale_factor: float, zp_delta: int) -> bytes:
    sg = read_model_bytes(model).main
    op = next(o for o in sg.operators if o.opcode == opcode)
    q = sg.tensors[op.inputs[0]].quant
    edited = set_quant(model, op.inputs[0], q.s * scale_factor, q.zp + zp_delta)
    assert read_model_bytes(edited).main.tensors[op.inputs[0]].quant.s != sg.tensors[op.outputs[0]].quant.s
    return edited


def test_concat_int8_different_quant_refused():
    """TFLM refuses int8 inputs quantised differently from the output; so does check."""
    name, shapes, axis, _ = CONCAT[1]
    edited = _edit_first_input(convert(_concat(name, shapes, axis), "int8"), "CONCATENATION", 3.0, 17)
    with pytest.raises(UnsupportedModelError, match="quantised differently"):
        compile_model(read_model_bytes(edited), options=GenerateOptions(prefix="m"))


@pytest.mark.parametrize("op,mode", [("CONCATENATION", "int16x8"), ("PACK", "int8")])
def test_different_quant_copies_raw(op, mode):
    """int16 CONCATENATION and PACK accept differently quantised inputs and copy raw values."""
    name, shapes, axis, _ = CONCAT[1] if op == "CONCATENATION" else PACK[1]
    case = _concat(name, shapes, axis) if op == "CONCATENATION" else _pack(name, shapes, axis)
    edited = _edit_first_input(convert(case, mode), op, 3.0, 17 if mode == "int8" else 0)
    r = compare_bytes(edited, name + "_diffq", samples=4)
    assert r.exact, r


def test_concat_one_call_per_input_and_fold():
    from codegen.ops.registry import handler
    name, shapes, axis, _ = CONCAT[0]
    model = convert(_concat(name, shapes, axis), "int8")
    compiled = compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))
    calls = compiled.steps[0].calls
    assert [c.function for c in calls] == ["mf_copy_rows"] * 3
    assert [dict(c.params)["out_offset"] for c in calls] == [0, 2, 5]
    sg = read_model_bytes(model).main
    xs = [np.full((1, *s), k, np.int8) for k, s in enumerate(shapes)]
    (y,) = handler("CONCATENATION").fold(sg, sg.operators[0], xs)
    assert np.array_equal(y, np.concatenate(xs, axis=-1))
