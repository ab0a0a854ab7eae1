"""CUMSUM against TFLM's interpreter: float32 (exact: FLOAT_TOL = 0, sums in TFLM's order from 0.0f)
and int8 (bit-exact). The converter turns an int8 cumsum into DEQUANTIZE -> float CUMSUM ->
QUANTIZE, so the int8 cases are built directly (support.tflite_build) with chosen scales and zero
points; one has an axis long enough for TFLM's int32 running sum to wrap. TFLM's CUMSUM has no int16.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Spec, single_op
from support.tfmodels import convert

FLAGS = [(False, False), (True, False), (False, True), (True, True)]


def _ids(flags: tuple[bool, bool]) -> str:
    return ("exclusive" if flags[0] else "inclusive") + ("_reverse" if flags[1] else "")


@pytest.mark.parametrize("shape,axis", [((4, 5), 1), ((3, 4, 2), -2), ((7,), -1)])
@pytest.mark.parametrize("flags", FLAGS, ids=_ids)
def test_cumsum_float32(shape, axis, flags):
    exclusive, reverse = flags
    name = f"cumsum_rank{len(shape) + 1}_axis{axis}_{_ids(flags)}"
    case = lambda_case(name, lambda tf, x: tf.math.cumsum(x, axis=axis, exclusive=exclusive, reverse=reverse),
                       (shape,), axis=axis, exclusive=exclusive, reverse=reverse)
    model = convert(case, "float32")
    assert [op.opcode for op in read_model_bytes(model).main.operators] == ["CUMSUM"]
    r = compare_bytes(model, name, samples=5)
    assert r.exact, r


def _s8(shape, axis, flags, q_in=(0.05, -3), q_out=(0.21, 7)) -> bytes:
    return single_op("CUMSUM", [Spec(shape, "int8", *q_in), Spec((), "int32", data=axis)],
                  [Spec(shape, "int8", *q_out)], "CumsumOptions", exclusive=flags[0], reverse=flags[1])


@pytest.mark.parametrize("shape,axis", [((1, 4, 5), 2), ((1, 3, 4, 2), 1), ((1, 6), -1)])
@pytest.mark.parametrize("flags", FLAGS, ids=_ids)
def test_cumsum_int8(shape, axis, flags):
    r = compare_bytes(_s8(shape, axis, flags), "cumsum_s8", samples=8)
    assert r.exact, r


def test_cumsum_int8_running_sum_wraps_like_tflm():
    """zero point -128 and all-127 rows: every scaled term is 255 << 19, so 40 of them pass 2^31."""
    model = _s8((1, 40), 1, (False, False), q_in=(0.02, -128), q_out=(0.5, 0))
    sets = [[np.full((1, 40), 127, np.int8)], [np.full((1, 40), -128, np.int8)],
            [np.random.default_rng(0).integers(-128, 128, (1, 40)).astype(np.int8)]]
    r = compare_inputs(model, "cumsum_s8_wrap", sets)
    assert r.exact, r


def test_cumsum_int16_refused():
    model = single_op("CUMSUM", [Spec((1, 6), "int16", 0.01, 0), Spec((), "int32", data=1)],
                    [Spec((1, 6), "int16", 0.01, 0)], "CumsumOptions")
    with pytest.raises(UnsupportedModelError, match="type int16 .TFLM's CUMSUM takes float32 and int8"):
        compile_model(read_model_bytes(model, source="cumsum16.tflite"))
