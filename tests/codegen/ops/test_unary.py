"""ABS, NEG, CEIL, FLOOR, ROUND, SQRT, RSQRT, SQUARE, EXP, LOG, SIN, COS and ELU against TFLM.

TensorFlow-made models: every op in float32 (one model, 13 outputs); int8 ABS and RSQRT and int16x8
ABS (the converter keeps ELU in float32 even for int8 models and has no int16 ELU). Flatbuffers
written directly (support.tflite_build) for what the converter does not give: int8 ELU, scales
chosen so ABS rescales or not, RSQRT's zero point at the bottom of the range, the unquantised int16
ABS, each on every value of its input type; float32 rounding ties, signed zeros and infinities.
Float tolerance 0 on the host: each element is the same C library call TFLM makes.
"""

from __future__ import annotations

import numpy as np
import pytest

from support.compare import compare_bytes, compare_inputs
from support.opcases import lambda_case
from support.tflite_build import Op, Spec, every_value, graph, single_op
from support.tflite_edit import ops_of
from support.tfmodels import convert

FLOAT_OPS = ("ABS", "NEG", "CEIL", "FLOOR", "ROUND", "SQRT", "RSQRT", "SQUARE", "EXP", "LOG", "SIN", "COS", "ELU")


def _float_all(tf, x):
    m = tf.math
    ax = m.abs(x)
    return [ax, m.negative(x), m.ceil(x * 4), m.floor(x * 4), m.round(x * 4), m.sqrt(ax), m.rsqrt(ax + 0.01),
            m.square(x), m.exp(x), m.log(ax + 0.01), m.sin(x * 3), m.cos(x * 3), tf.nn.elu(x * 4)]


def _abs_rsqrt(tf, x):
    return [tf.math.abs(x), tf.math.rsqrt(tf.math.abs(x) + 0.05)]


def test_float32_every_op_tf_model() -> None:
    model = convert(lambda_case("unary_float_all", _float_all, ((3, 5, 7),)), "float32")
    for opcode in FLOAT_OPS:
        assert ops_of(model, opcode), opcode
    r = compare_bytes(model, "unary_float_all", samples=10)
    assert r.exact, r


@pytest.mark.parametrize("mode,ops", [pytest.param("int8", ("ABS", "RSQRT"), id="int8_abs_rsqrt"),
                                      pytest.param("int16x8", ("ABS",), id="int16x8_abs")])
def test_quantised_tf_model(mode: str, ops: tuple[str, ...]) -> None:
    fn = _abs_rsqrt if len(ops) == 2 else (lambda tf, x: tf.math.abs(x))
    model = convert(lambda_case(f"unary_quant_{'_'.join(ops).lower()}", fn, ((3, 5, 7),), low=-3, high=3), mode)
    for opcode in ops:
        assert ops_of(model, opcode), opcode
    r = compare_bytes(model, f"unary_{mode}", samples=10)
    assert r.exact, r


S8 = (1, 256)
S16 = (1, 65536)


INT8_CASES = [  # (opcode, input (scale, zero point), output (scale, zero point)): what each covers
    ("ABS", (0.05, 3), (0.05, -5)),      # equal scales: no rescaling
    ("ABS", (0.05, 3), (0.031, -128)),   # rescaled
    ("ABS", (0.2, -128), (0.01, 127)),   # saturating
    ("RSQRT", (0.02, -128), (0.1, -128)),  # zero point at the bottom of the range
    ("RSQRT", (0.3, -20), (0.01, 7)),    # saturating
    ("RSQRT", (0.0007, 100), (0.5, 0)),  # tiny input scale
    ("ELU", (0.05, 3), (0.04, 20)),
    ("ELU", (0.1, 120), (0.02, -100)),   # mostly negative inputs
]


def test_int8_every_value() -> None:
    """All 256 inputs of each case (RSQRT: those at or above the zero point; TFLM fails the invoke
    below it), the eight cases as parallel operators of one model."""
    tensors, ops, inputs, outputs, xs = {}, [], [], [], []
    for k, (opcode, inp, out) in enumerate(INT8_CASES):
        tensors[f"x{k}"], tensors[f"y{k}"] = Spec(S8, "int8", *inp), Spec(S8, "int8", *out)
        ops.append(Op(opcode, (f"x{k}",), (f"y{k}",)))
        inputs.append(f"x{k}")
        outputs.append(f"y{k}")
        x = np.arange(-128, 128, dtype=np.int8).reshape(S8)
        xs.append(np.maximum(x, inp[1]).astype(np.int8) if opcode == "RSQRT" else x)
    r = compare_inputs(graph(tensors, ops, inputs, outputs), "unary_s8", [xs])
    assert r.exact, r


@pytest.mark.parametrize("scales", [pytest.param(None, id="unquantised_wraps_min"),
                                    pytest.param((0.05, 0.05), id="equal_scales_clamps_min"),
                                    pytest.param((0.05, 0.021), id="rescaled")])
def test_abs_int16_every_value(scales) -> None:
    spec_in = Spec(S16, "int16") if scales is None else Spec(S16, "int16", scales[0], 0)
    spec_out = Spec(S16, "int16") if scales is None else Spec(S16, "int16", scales[1], 0)
    model = single_op("ABS", [spec_in], [spec_out])
    r = compare_inputs(model, "abs_s16", every_value(spec_in))
    assert r.exact, r


def test_float_special_values() -> None:
    """Rounding ties (ROUND halves to even), signed zeros, infinities, NaN, subnormals and large
    magnitudes through every float op (one model, the ops in parallel)."""
    x = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.0, -0.0, np.inf, -np.inf, np.nan, 1e30, -1e30, 3.4e38,
                  1e-40, 7.25, -7.75, 100.0], dtype=np.float32).reshape(1, -1)
    tensors = {"x": Spec(x.shape, "float32"), **{op.lower(): Spec(x.shape, "float32") for op in FLOAT_OPS}}
    model = graph(tensors, [Op(op, ("x",), (op.lower(),)) for op in FLOAT_OPS], ["x"], [op.lower() for op in FLOAT_OPS])
    r = compare_inputs(model, "unary_special", [[x]])
    assert r.exact, r


@pytest.mark.parametrize("opcode,dtype,why", [
    pytest.param("RSQRT", "int16", "float32 and int8 only", id="rsqrt_int16"),
    pytest.param("EXP", "int8", "float32 only", id="exp_int8"),
    pytest.param("ELU", "int16", "float32 and int8 only", id="elu_int16"),
    pytest.param("SIN", "int16", "float32 only", id="sin_int16"),
])
def test_types_tflm_refuses_are_refused(opcode: str, dtype: str, why: str) -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes

    sg = read_model_bytes(single_op(opcode, [Spec((1, 8), dtype, 0.1, 0)], [Spec((1, 8), dtype, 0.1, 0)])).main
    problems = handler(opcode).check(sg, sg.operators[0])
    assert problems and why in problems[0], problems


def test_constant_inputs_fold() -> None:
    """ABS and RSQRT of constants (float32, and int8 through the lookup table) fold at build time."""
    from codegen.ops.registry import handler
    from codegen.ops.unary import abs_table
    from codegen.ir import Quant
    from codegen.tflite import read_model_bytes

    x = np.array([[-2.0, 0.25, 4.0]], np.float32)
    sg = read_model_bytes(single_op("RSQRT", [Spec((1, 3), "float32", data=np.abs(x))], [Spec((1, 3), "float32")])).main
    got = handler("RSQRT").fold(sg, sg.operators[0], [np.abs(x)])[0]
    np.testing.assert_array_equal(got, np.float32(1) / np.sqrt(np.abs(x)))
    q8 = np.arange(-128, 128, dtype=np.int8).reshape(1, 256)
    sg = read_model_bytes(single_op("ABS", [Spec(S8, "int8", 0.05, 3, data=q8)], [Spec(S8, "int8", 0.03, -5)])).main
    got = handler("ABS").fold(sg, sg.operators[0], [q8])[0]
    np.testing.assert_array_equal(got, abs_table(Quant((0.05,), (3,)), Quant((0.03,), (-5,)))[q8.view(np.uint8)])
