"""The unary-math, comparison, logic, arithmetic, casting and fill operators (issue 13, ops-a) on the
emulated Cortex-M4 (mps2-an386), two firmware builds in all: one float32 graph and one graph over
the integer and bool types, each holding every operator of the family in parallel branches, run
through the real build (write_project + PlatformIO) and QEMU, outputs compared with TFLM's
interpreter (integers and bools identical, float32 within validate.py's 1e-5 relative tolerance:
newlib's libm may differ from glibc's in the last bit). The same graphs run on the host build too
(bit-exact there, float included). Inputs are chosen, not random, where TFLM's result is undefined
for some values (zero divisors, RSQRT/LOG of negatives, BROADCAST_ARGS of incompatible shapes).

The graphs are written directly as flatbuffers (support.tflite_build.graph): the TF converter
folds or rewrites several of these operators (BROADCAST_ARGS, FILL, ZEROS_LIKE, CAST chains) and
cannot give int64 or bool model inputs in one quantised model.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.tflite.schema import fb
from support.compare import compare_inputs
from support.tflite_build import Op, Spec, graph

F = "float32"
S = (1, 4, 8)  # the full operand shape
R = (1, 1, 8)  # the broadcast operand shape
RELU6 = (("fusedActivationFunction", fb.ActivationFunctionType.RELU6),)
RELU = (("fusedActivationFunction", fb.ActivationFunctionType.RELU),)

FLOAT_OPS = ("ABS", "NEG", "CEIL", "FLOOR", "ROUND", "SQRT", "RSQRT", "SQUARE", "EXP", "LOG", "SIN", "COS", "ELU",
             "DIV", "FLOOR_DIV", "FLOOR_MOD", "SQUARED_DIFFERENCE", "PRELU", "LOG_SOFTMAX", "ADD_N", "GREATER",
             "LESS_EQUAL", "EQUAL", "NOT_EQUAL", "SELECT_V2", "LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT", "CAST",
             "ZEROS_LIKE", "FILL", "BROADCAST_TO")


def float_graph() -> bytes:
    t = {"x": Spec(S, F), "y": Spec(R, F), "v": Spec((), F), "four": Spec((1,), F, data=[4.0]),
         "alpha": Spec((8,), F, data=np.linspace(-0.5, 0.9, 8)), "dims": Spec((3,), "int32", data=list(S)),
         "shape": Spec((3,), "int64", data=list(S))}
    names = ["x4", "ax", "abs", "neg", "ceil", "floor", "round", "sqrt", "rsqrt", "square", "exp", "log", "sin",
             "cos", "elu", "div", "floor_div", "floor_mod", "sqdiff", "prelu", "log_softmax", "add_n", "sel"]
    t.update({n: Spec(S, F) for n in names})
    t.update({n: Spec(S, "bool") for n in ("gt", "le", "eq", "ne", "and", "or", "not")})
    t.update({"cast_f": Spec(S, F), "cast_i": Spec(S, "int32"), "zeros": Spec(S, F), "fill": Spec(S, F),
              "bcast": Spec(S, F)})
    ops = [Op("MUL", ("x", "four"), ("x4",), "MulOptions"), Op("ABS", ("x",), ("ax",)),
           Op("ABS", ("x4",), ("abs",)), Op("NEG", ("x4",), ("neg",)), Op("CEIL", ("x4",), ("ceil",)),
           Op("FLOOR", ("x4",), ("floor",)), Op("ROUND", ("x4",), ("round",)), Op("SQRT", ("ax",), ("sqrt",)),
           Op("RSQRT", ("ax",), ("rsqrt",)), Op("SQUARE", ("x4",), ("square",)), Op("EXP", ("x4",), ("exp",)),
           Op("LOG", ("ax",), ("log",)), Op("SIN", ("x4",), ("sin",)), Op("COS", ("x4",), ("cos",)),
           Op("ELU", ("x4",), ("elu",)), Op("DIV", ("x4", "y"), ("div",), "DivOptions", RELU6),
           Op("FLOOR_DIV", ("x4", "y"), ("floor_div",)), Op("FLOOR_MOD", ("x4", "y"), ("floor_mod",)),
           Op("SQUARED_DIFFERENCE", ("x", "y"), ("sqdiff",)), Op("PRELU", ("x4", "alpha"), ("prelu",)),
           Op("LOG_SOFTMAX", ("x4",), ("log_softmax",)), Op("ADD_N", ("x", "x4", "sqrt"), ("add_n",)),
           Op("GREATER", ("x", "y"), ("gt",)), Op("LESS_EQUAL", ("x4", "y"), ("le",)),
           Op("EQUAL", ("round", "ceil"), ("eq",)), Op("NOT_EQUAL", ("round", "floor"), ("ne",)),
           Op("SELECT_V2", ("gt", "x", "y"), ("sel",)), Op("LOGICAL_AND", ("gt", "le"), ("and",)),
           Op("LOGICAL_OR", ("eq", "ne"), ("or",)), Op("LOGICAL_NOT", ("gt",), ("not",)),
           Op("CAST", ("and",), ("cast_f",)), Op("CAST", ("x4",), ("cast_i",)), Op("ZEROS_LIKE", ("x",), ("zeros",)),
           Op("FILL", ("dims", "v"), ("fill",)), Op("BROADCAST_TO", ("y", "shape"), ("bcast",))]
    outs = [n for n in t if n not in ("x", "y", "v", "four", "alpha", "dims", "shape", "x4", "ax")]
    return graph(t, ops, ["x", "y", "v"], outs, "ops-a float32 group")


def float_inputs(n: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(7)
    sets = []
    for _ in range(n):
        x = rng.uniform(-1.0, 1.0, S).astype(np.float32)
        x.reshape(-1)[:6] = [0.125, -0.125, 0.375, -0.625, 0.5, -0.0]  # ROUND ties at x * 4 = 0.5, -2.5, 2
        y = rng.uniform(0.2, 1.0, R).astype(np.float32) * rng.choice([-1.0, 1.0], R).astype(np.float32)
        sets.append([x, y, np.float32(rng.uniform(-3, 3))])
    return sets


def _q(scale: float, zp: int, shape=S, dtype: str = "int8", data=None) -> Spec:
    return Spec(shape, dtype, scale, zp, data=data)


INT_OPS = ("ABS", "RSQRT", "ELU", "EQUAL", "GREATER", "LESS_EQUAL", "NOT_EQUAL", "GREATER_EQUAL", "LESS", "DIV",
           "SQUARED_DIFFERENCE", "ADD_N", "PRELU", "LOG_SOFTMAX", "SELECT_V2", "SOFTMAX", "QUANTIZE", "ADD", "SUB",
           "MUL", "MAXIMUM", "MINIMUM", "CAST", "ZEROS_LIKE", "FILL", "LOGICAL_AND", "LOGICAL_OR", "LOGICAL_NOT",
           "BROADCAST_ARGS", "BROADCAST_TO")


def int_graph() -> bytes:
    rng = np.random.default_rng(3)
    t = {"a": _q(0.05, 3), "b": _q(0.07, -10, R), "i": Spec(S, "int32"), "j": Spec(R, "int32"),
         "k": Spec(S, "int64"), "l": Spec(R, "int64"), "c": Spec(S, "bool"), "d": Spec(R, "bool"),
         "h": _q(0.001, 0, S, "int16"), "r": Spec(S, "int16"), "s1": Spec((3,), "int32"), "s2": Spec((2,), "int32"),
         "fv": Spec((), "int32"),
         "bdiv": _q(0.07, -10, R, data=np.array([[[-128, -60, -11, -9, 0, 40, 90, 127]]], np.int8)),
         "jdiv": Spec(R, "int32", data=np.array([[[-7, -3, -2, -1, 1, 2, 5, 1000]]], np.int32)),
         "alpha8": _q(0.01, -5, (8,), data=rng.integers(-128, 128, 8).astype(np.int8)),
         "dims": Spec((3,), "int64", data=list(S)), "shape": Spec((3,), "int32", data=list(S))}
    t.update({"abs": _q(0.04, -5), "rsqrt": _q(0.1, -128), "elu": _q(0.04, 20), "div": _q(0.1, -2),
              "sqdiff": _q(0.2, -100), "add_n": _q(0.1, -7), "prelu": _q(0.04, -1),
              "log_softmax": _q(16 / 256, 127), "sel": _q(0.05, 3), "softmax": _q(1 / 65536, -32768, S, "int16"),
              "q32": _q(0.0007, -100, S, "int32"), "q16": _q(0.002, 0, S, "int16")})
    t.update({n: Spec(S, "bool") for n in ("eq8", "gt8", "le8", "ne32", "ge32", "lt64", "eq64", "eqb", "neb",
                                          "and", "or", "not")})
    t.update({n: Spec(S, "int32") for n in ("add", "sub", "mul", "idiv", "isq", "imax", "imin", "cast_bi")})
    t.update({"kmax": Spec(S, "int64"), "kmin": Spec(S, "int64"), "zeros": Spec(S, "int64"),
              "abs16": _q(0.0007, 0, S, "int16"), "absraw": Spec(S, "int16"), "sq16": _q(0.02, 0, S, "int16"),
              "prelu16": _q(0.0009, 0, S, "int16"), "cast_f": Spec(S, F), "cast_u": Spec(S, "uint32"),
              "cast_h": Spec(S, "int16"), "cast_8": Spec(S, "int8"), "fill": Spec(S, "int32"),
              "bargs": Spec((3,), "int32"), "bcast": Spec(S, "bool")})
    ops = [Op("ABS", ("a",), ("abs",)), Op("RSQRT", ("abs",), ("rsqrt",)), Op("ELU", ("a",), ("elu",)),
           Op("EQUAL", ("a", "b"), ("eq8",)), Op("GREATER", ("a", "b"), ("gt8",)),
           Op("LESS_EQUAL", ("b", "a"), ("le8",)), Op("DIV", ("a", "bdiv"), ("div",), "DivOptions", RELU),
           Op("SQUARED_DIFFERENCE", ("a", "b"), ("sqdiff",)), Op("SELECT_V2", ("c", "a", "b"), ("sel",)),
           Op("ADD_N", ("a", "a", "sel"), ("add_n",)),
           Op("PRELU", ("a", "alpha8"), ("prelu",)), Op("LOG_SOFTMAX", ("a",), ("log_softmax",)),
           Op("SOFTMAX", ("a",), ("softmax",), "SoftmaxOptions", (("beta", 1.0),)),
           Op("QUANTIZE", ("a",), ("q32",)), Op("QUANTIZE", ("q32",), ("q16",)),
           Op("ADD", ("i", "j"), ("add",), "AddOptions", RELU), Op("SUB", ("i", "j"), ("sub",), "SubOptions", RELU),
           Op("MUL", ("i", "j"), ("mul",), "MulOptions"), Op("DIV", ("i", "jdiv"), ("idiv",), "DivOptions"),
           Op("SQUARED_DIFFERENCE", ("i", "j"), ("isq",)), Op("MAXIMUM", ("i", "j"), ("imax",)),
           Op("MINIMUM", ("i", "j"), ("imin",)), Op("NOT_EQUAL", ("i", "j"), ("ne32",)),
           Op("GREATER_EQUAL", ("i", "j"), ("ge32",)), Op("MAXIMUM", ("k", "l"), ("kmax",)),
           Op("MINIMUM", ("k", "l"), ("kmin",)), Op("LESS", ("k", "l"), ("lt64",)), Op("EQUAL", ("k", "l"), ("eq64",)),
           Op("ZEROS_LIKE", ("k",), ("zeros",)), Op("EQUAL", ("c", "d"), ("eqb",)),
           Op("NOT_EQUAL", ("c", "d"), ("neb",)), Op("LOGICAL_AND", ("c", "d"), ("and",)),
           Op("LOGICAL_OR", ("c", "d"), ("or",)), Op("LOGICAL_NOT", ("c",), ("not",)),
           Op("ABS", ("h",), ("abs16",)), Op("ABS", ("r",), ("absraw",)), Op("SQUARED_DIFFERENCE", ("h", "h"), ("sq16",)),
           Op("PRELU", ("h", "alpha8"), ("prelu16",)), Op("CAST", ("i",), ("cast_f",)), Op("CAST", ("i",), ("cast_u",)),
           Op("CAST", ("cast_u",), ("cast_h",)), Op("CAST", ("c",), ("cast_bi",)), Op("CAST", ("h",), ("cast_8",)),
           Op("FILL", ("dims", "fv"), ("fill",)), Op("BROADCAST_ARGS", ("s1", "s2"), ("bargs",)),
           Op("BROADCAST_TO", ("d", "shape"), ("bcast",))]
    inputs = ["a", "b", "i", "j", "k", "l", "c", "d", "h", "r", "s1", "s2", "fv"]
    consts = ("bdiv", "jdiv", "alpha8", "dims", "shape")
    outs = [n for n in t if n not in inputs and n not in consts]
    return graph(t, ops, inputs, outs, "ops-a integer group")


def int_inputs(n: int) -> list[list[np.ndarray]]:
    rng = np.random.default_rng(11)
    sets = []
    for k in range(n):
        shapes = [(2, 1, 8), (1, 4, 1)][k % 2]
        sets.append([rng.integers(-128, 128, S).astype(np.int8), rng.integers(-128, 128, R).astype(np.int8),
                     rng.integers(-2**31, 2**31, S).astype(np.int32), rng.integers(-2**31, 2**31, R).astype(np.int32),
                     rng.integers(-2**62, 2**62, S).astype(np.int64), rng.integers(-2**62, 2**62, R).astype(np.int64),
                     rng.integers(0, 2, S).astype(bool), rng.integers(0, 2, R).astype(bool),
                     rng.integers(-32768, 32768, S).astype(np.int16), rng.integers(-32768, 32768, S).astype(np.int16),
                     np.array([1, *shapes[1:]], np.int32)[[0, 1, 2]], np.array(shapes[1:], np.int32),
                     np.int32(rng.integers(-1000, 1000))])
    return sets


def test_groups_cover_their_operators() -> None:
    from support.tflite_edit import ops_of
    for model, ops in ((float_graph(), FLOAT_OPS), (int_graph(), INT_OPS)):
        for opcode in ops:
            assert ops_of(model, opcode), opcode


@pytest.mark.parametrize("model,inputs", [pytest.param(float_graph, float_inputs, id="float32_group"),
                                          pytest.param(int_graph, int_inputs, id="integer_group")])
def test_group_matches_tflm_on_host(model, inputs) -> None:
    r = compare_inputs(model(), model.__name__, inputs(6))
    assert r.exact, r


@pytest.mark.qemu
@pytest.mark.parametrize("model,inputs", [pytest.param(float_graph, float_inputs, id="float32_group"),
                                          pytest.param(int_graph, int_inputs, id="integer_group")])
def test_group_matches_tflm_on_cortex_m4(model, inputs, tmp_path) -> None:
    from codegen.reference import TflmReference
    from support.device_compare import FLOAT_RTOL, run_on_device
    from support.firmware import built

    data = model()
    path = tmp_path / f"{model.__name__}.tflite"
    path.write_bytes(data)
    project, fw = built("mps2-an386", path, root=tmp_path)
    sets = inputs(3)
    ref = TflmReference(data)
    for xs, got in zip(sets, run_on_device(project, fw, sets)):
        for t, g, w in zip(project.compiled.outputs, got, ref.run(xs)):
            w = np.asarray(w).reshape(g.shape)
            if g.dtype.kind == "f":
                np.testing.assert_allclose(g, w, rtol=FLOAT_RTOL, atol=FLOAT_RTOL, err_msg=t.name)
            else:
                np.testing.assert_array_equal(g, w, err_msg=t.name)
