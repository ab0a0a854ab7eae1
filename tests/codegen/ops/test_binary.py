"""ADD, SUB, MUL, MAXIMUM, MINIMUM against TFLM's interpreter: int8, int16x8 (bit-exact), float32.

Each case is one Keras model with five outputs over the same pair of operands, so one conversion
covers all five operators for one broadcast pattern: ``a + b`` (b rescaled first, so the two ADD
inputs have different scales), ``a - b`` (or ``b - a``), ``a * b``, ``max(a, b)``, ``min(a, b)``,
with fused activations rotated over the cases. Patterns: same shape, [1,H,1,C] x [1,1,W,C], a
per-channel [C] constant, a scalar constant, the first operand broadcast, rank 2 and rank 5.

Float tolerance: 0. Each float output element is one IEEE operation (add, subtract, multiply,
compare) on the same operands as TFLM, followed by the same clamp, so results are identical.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from codegen.ops import broadcast
from support.compare import compare_bytes, compare_inputs
from support.tflite_build import Spec, single_op
from support.tflite_edit import ops_of
from support.tfmodels import Case, convert
from codegen.host import VARIANTS
from support.variants import dsp_params, kernel_variant  # noqa: F401  (fixture)

ALL = ("int8", "int16x8", "float32")
FUSED = {"none": "NONE", "relu": "RELU", "relu6": "RELU6", "clip1": "RELU_N1_TO_1"}


@dataclass(frozen=True)
class BinSpec:
    name: str
    a: tuple[int, ...]                 # shape of input a (without batch)
    b: tuple[int, ...] | None          # shape of input b, or None: b is the constant `const`
    const: tuple[float, ...] = ()      # constant operand (a scalar if one value)
    add_act: str = "none"
    sub_act: str = "none"
    mul_act: str = "none"
    swap_sub: bool = False             # b - a instead of a - b
    modes: tuple[str, ...] = ALL

    def case(self) -> Case:
        spec = self

        def act(k, x, name):
            return {"none": lambda: x, "relu": lambda: k.relu(x), "relu6": lambda: k.relu6(x),
                    "clip1": lambda: k.clip(x, -1.0, 1.0)}[name]()

        def build(tf):
            k = tf.keras.ops
            a = tf.keras.Input(spec.a, batch_size=1)
            inputs = [a]
            if spec.b is None:
                c = np.array(spec.const, dtype=np.float32)
                b = k.convert_to_tensor(c[0] if c.size == 1 else c)
            else:
                b = tf.keras.Input(spec.b, batch_size=1)
                inputs.append(b)
            outs = [act(k, a + b * 3.0 if spec.b is not None else a + b, spec.add_act),
                    act(k, b - a if spec.swap_sub else a - b, spec.sub_act),
                    act(k, a * b, spec.mul_act),
                    k.maximum(a, b), k.minimum(b, a)]
            return tf.keras.Model(inputs, outs)

        shapes = (self.a,) if self.b is None else (self.a, self.b)
        params = {k: v for k, v in vars(self).items() if k not in ("name", "modes")}
        return Case(self.name, build, shapes, params=params)


SPECS = [
    BinSpec("bin_same_shape_rank4_add_relu_mul_relu6", (4, 5, 3), (4, 5, 3), add_act="relu", mul_act="relu6"),
    BinSpec("bin_bcast_h1c_x_1wc_sub_relu6", (4, 1, 3), (1, 5, 3), sub_act="relu6", swap_sub=True),
    BinSpec("bin_perchannel_const_c6_add_relu6_sub_relu", (3, 4, 6), None, const=(0.5, -0.25, 1.5, -2.0, 0.0, 0.75),
            add_act="relu6", sub_act="relu"),
    BinSpec("bin_scalar_const_mul_relu", (5, 7), None, const=(-0.75,), mul_act="relu", swap_sub=True),
    BinSpec("bin_first_operand_broadcast_rank3", (1, 4), (6, 4), add_act="clip1"),
    BinSpec("bin_rank2_column_broadcast", (9,), (1,), sub_act="clip1", mul_act="relu"),
    BinSpec("bin_rank5_interleaved_broadcast", (2, 3, 4, 5), (2, 1, 4, 1), add_act="relu", mul_act="clip1"),
]


def _check_model(spec: BinSpec, model: bytes) -> None:
    """The converted model holds the five operators with the fused activations the case promises."""
    for opcode, act in (("ADD", spec.add_act), ("SUB", spec.sub_act)):
        found = [op for _, op in ops_of(model, opcode)]
        assert found, opcode
        assert found[-1].opt("fusedActivationFunction") == FUSED[act], (opcode, found[-1].options)
    for opcode in ("MUL", "MAXIMUM", "MINIMUM"):
        assert ops_of(model, opcode), opcode


@pytest.mark.parametrize("spec,mode", [pytest.param(s, m, id=f"{s.name}-{m}") for s in SPECS for m in s.modes])
def test_binary_matches_tflm(spec: BinSpec, mode: str, kernel_variant: str) -> None:
    model = convert(spec.case(), mode)
    _check_model(spec, model)
    r = compare_bytes(model, spec.name, samples=20, variant=kernel_variant)
    assert r.exact, r


# Operand scales and zero points chosen so that every multiplier differs between a float32 and a
# double computation of TFLM's scale ratios (the converter gives symmetric, similar scales).
@pytest.mark.parametrize("opcode,dtype,scales,zps", [
    pytest.param("SUB", "int8", (0.0123, 0.0371, 0.05), (-7, 12, 3), id="sub_s8_unequal_scales_zero_points"),
    pytest.param("ADD", "int8", (0.0371, 0.0123, 0.021), (25, -128, -5), id="add_s8_unequal_scales_zero_points"),
    pytest.param("SUB", "int16", (3.05e-5, 9.1e-5, 1.7e-4), (0, 0, 0), id="sub_s16_unequal_scales"),
    pytest.param("MUL", "int8", (0.0123, 0.0371, 0.0007), (-7, 12, 3), id="mul_s8_unequal_scales_zero_points"),
])
def test_quantised_scaling_corners(opcode: str, dtype: str, scales: tuple, zps: tuple, kernel_variant: str) -> None:
    shape = (1, 3, 4, 5)
    specs = [Spec(shape, dtype, s, z) for s, z in zip(scales, zps)]
    model = single_op(opcode, specs[:2], specs[2:], f"{opcode.capitalize()}Options")
    r = compare_bytes(model, f"{opcode.lower()}_{dtype}_corner", samples=20, variant=kernel_variant)
    assert r.exact, r


@pytest.mark.parametrize("a,b", [
    pytest.param((4, 5, 3), (4, 5, 3), id="same_shape_one_run"),
    pytest.param((1, 4, 1, 3), (1, 1, 5, 3), id="h1c_x_1wc"),
    pytest.param((3, 4, 6), (6,), id="per_channel"),
    pytest.param((), (3, 4), id="scalar_first"),
    pytest.param((1, 4), (6, 4), id="first_operand_broadcast"),
    pytest.param((2, 3, 4, 5, 6), (1, 3, 1, 5, 1), id="rank5_alternating"),
    pytest.param((2, 1, 3, 1, 4, 1), (1, 5, 1, 2, 1, 3), id="rank6_every_dim_alternating"),
])
def test_broadcast_plan_walks_numpy_order(a: tuple, b: tuple) -> None:
    """The kernels' loop plan visits, for each output element in row-major order, the input
    elements numpy broadcasting pairs it with."""
    out = broadcast.broadcast_shape(a, b)
    plan = broadcast.plan(a, b, out)
    ia = np.broadcast_to(np.arange(int(np.prod(a))).reshape(a), out).reshape(-1)
    ib = np.broadcast_to(np.arange(int(np.prod(b))).reshape(b), out).reshape(-1)
    assert plan.offsets() == list(zip(ia.tolist(), ib.tolist()))


def test_broadcast_rank7_is_refused() -> None:
    with pytest.raises(ValueError):
        broadcast.plan((2, 1) * 3 + (2,), (1, 2) * 3 + (1,), (2,) * 7)


def test_check_reports_every_problem() -> None:
    """Mixed operand types and shapes that do not broadcast are reported together, with the fused
    activation TFLM has no kernel for."""
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes
    from codegen.tflite.schema import fb

    model = single_op("ADD", [Spec((1, 3, 4), "int8", 0.1, 0), Spec((1, 5, 4), "int16", 0.1, 0)],
                      [Spec((1, 3, 4), "int8", 0.1, 0)], "AddOptions",
                      fusedActivationFunction=fb.ActivationFunctionType.SIGN_BIT)
    sg = read_model_bytes(model).main
    problems = handler("ADD").check(sg, sg.operators[0])
    assert any("mixed types" in p for p in problems), problems
    assert any("do not broadcast" in p for p in problems), problems
    assert any("fused activation" in p for p in problems), problems


# --- int8 ADD/SUB on every pair of input values ---------------------------------------------------

_VALUES = np.arange(-128, 128, dtype=np.int8)


@pytest.mark.parametrize("opcode,scales,zps,act,bcast,mode", [
    pytest.param("ADD", (0.0341, 0.0819, 0.05), (-128, 20, -128), "RELU", False, "floor",
                 id="add_s8_pairs_relu_out_zp_min_rq_fast_floor"),
    pytest.param("SUB", (0.0123, 0.0371, 0.05), (-7, 12, 3), "NONE", False, "fast", id="sub_s8_pairs_rq_fast"),
    pytest.param("ADD", (0.02, 0.03, 0.04), (5, -3, 10), "RELU", False, "exact",
                 id="add_s8_pairs_relu_partial_clamp_rq_exact"),
    pytest.param("SUB", (0.01, 0.01, 2.9e-8), (3, -4, 7), "NONE", False, "exact",
                 id="sub_s8_pairs_output_shift0_rq_exact"),
    pytest.param("ADD", (0.01, 0.013, 100.0), (0, 9, 17), "NONE", False, "fast",
                 id="add_s8_pairs_constant_output_rq_fast"),
    pytest.param("SUB", (0.05, 0.02, 0.06), (-128, 100, -128), "RELU", True, "floor",
                 id="sub_s8_pairs_broadcast_rows_x_columns_rq_fast_floor"),
])
# every variant, mve too (firmware/kernels/mve/mf_add_s8.c; this parametrisation overrides the fixture)
@pytest.mark.parametrize("kernel_variant", [str(v) for v in VARIANTS])
def test_add_sub_s8_every_input_pair(opcode: str, scales: tuple, zps: tuple, act: str, bcast: bool, mode: str,
                                     kernel_variant: str) -> None:
    """All 65,536 (x1, x2) int8 pairs against TFLM: as two same-shape [1, 65536] operands (the dsp
    kernel's contiguous, unrolled loop) or as [1, 256, 1] x [1, 1, 256] (its strided broadcast loop).
    The cases reach each output rescaling of the dsp kernel (nn.h MF_DSP_RQ_*): FAST_FLOOR, FAST
    (with a constant-output record too), EXACT for a clamp narrower than int8 and for an output
    shift of 0."""
    from codegen.ops import dsp_pack
    from codegen.tflite.schema import fb

    if bcast:
        shapes = ((1, 256, 1), (1, 1, 256), (1, 256, 256))
        xs = [_VALUES, _VALUES]
    else:
        shapes = ((1, 65536),) * 3
        xs = [np.repeat(_VALUES, 256), np.tile(_VALUES, 256)]
    specs = [Spec(shape, "int8", s, z) for shape, s, z in zip(shapes, scales, zps)]
    model = single_op(opcode, specs[:2], specs[2:], f"{opcode.capitalize()}Options",
                      fusedActivationFunction=getattr(fb.ActivationFunctionType, act))
    if kernel_variant == "dsp":
        want = {"floor": dsp_pack.RQ_FAST_FLOOR, "fast": dsp_pack.RQ_FAST, "exact": dsp_pack.RQ_EXACT}[mode]
        assert [p["dsp_requant"] for p in dsp_params(model, "mf_add_s8")] == [want]
    r = compare_inputs(model, f"{opcode.lower()}_pairs", [xs], variant=kernel_variant)
    assert r.exact, r


@pytest.mark.qemu
@pytest.mark.parametrize("opcode,scales,zps,act", [
    pytest.param("ADD", (0.0341, 0.0819, 0.05), (-128, 20, -128), "RELU", id="add_s8_rq_fast_floor_smmlar"),
    pytest.param("SUB", (0.0123, 0.0371, 0.05), (-7, 12, 3), "NONE", id="sub_s8_rq_fast_smmulr"),
])
def test_add_sub_s8_every_input_pair_on_cortex_m4(opcode: str, scales: tuple, zps: tuple, act: str,
                                                  tmp_path) -> None:
    """The dsp kernel built for the emulated Cortex-M4 (mps2-an386), its SMMLAR / SMMULR / SSAT
    instructions included, on all 65,536 pairs ([1, 256, 1] x [1, 1, 256]) against TFLM."""
    from codegen.pio.project import kernel_variant as board_variant
    from codegen.reference import TflmReference
    from codegen.tflite.schema import fb
    from support.device_compare import run_on_device
    from support.firmware import built

    shapes = ((1, 256, 1), (1, 1, 256), (1, 256, 256))
    specs = [Spec(shape, "int8", s, z) for shape, s, z in zip(shapes, scales, zps)]
    model = single_op(opcode, specs[:2], specs[2:], f"{opcode.capitalize()}Options",
                      fusedActivationFunction=getattr(fb.ActivationFunctionType, act))
    path = tmp_path / f"{opcode.lower()}_pairs.tflite"
    path.write_bytes(model)
    project, fw = built("mps2-an386", path, root=tmp_path)
    assert board_variant(project.board, project.options) == "dsp"
    assert any(str(s).endswith("kernels/dsp/mf_add_s8.c") for s in project.sources)
    xs = [_VALUES.reshape(shapes[0]), _VALUES.reshape(shapes[1])]
    got = run_on_device(project, fw, [xs])[0][0]
    np.testing.assert_array_equal(got, TflmReference(model).run(xs)[0].reshape(got.shape))


# --- int8 MUL on every pair of input values ------------------------------------------------------

# operand shapes: same shape (both advance), a scalar second operand along each row, a scalar first one
_MUL_LAYOUTS = {
    "same": (((1, 65536),) * 3, lambda: [np.repeat(_VALUES, 256), np.tile(_VALUES, 256)]),
    "rows_x_scalar": (((1, 1, 256), (1, 256, 1), (1, 256, 256)), lambda: [_VALUES, _VALUES]),
    "scalar_x_rows": (((1, 256, 1), (1, 1, 256), (1, 256, 256)), lambda: [_VALUES, _VALUES]),
    "by_channel": (((1, 256, 256), (1, 1, 256), (1, 256, 256)), lambda: [np.repeat(_VALUES, 256), _VALUES]),
}


@pytest.mark.parametrize("scales,zps,act,layout,mode", [
    pytest.param((0.0341, 0.0219, 0.05), (-128, 20, -128), "RELU", "same", "floor", id="mul_s8_same_rq_fast_floor"),
    pytest.param((0.0123, 0.0371, 0.002), (-7, 12, 3), "NONE", "same", "fast", id="mul_s8_same_rq_fast"),
    pytest.param((0.0123, 0.0371, 0.002), (-7, 12, 3), "NONE", "rows_x_scalar", "fast",
                 id="mul_s8_second_operand_scalar_per_row_rq_fast"),
    pytest.param((0.05, 0.02, 0.004), (-128, 100, -128), "RELU", "scalar_x_rows", "floor",
                 id="mul_s8_first_operand_scalar_per_row_rq_fast_floor"),
    pytest.param((0.02, 0.03, 0.0009), (5, -3, 10), "RELU", "same", "exact", id="mul_s8_partial_clamp_rq_exact"),
    pytest.param((0.05, 0.02, 0.004), (-128, 100, -128), "RELU", "by_channel", "floor",
                 id="mul_s8_by_channel_rq_fast_floor"),
    pytest.param((0.0123, 0.0371, 0.002), (-7, 12, 3), "NONE", "by_channel", "fast", id="mul_s8_by_channel_rq_fast"),
    pytest.param((0.5, 0.5, 0.01), (0, 0, 0), "NONE", "same", "exact", id="mul_s8_left_shift_rq_exact"),
])
def test_mul_s8_every_input_pair(scales: tuple, zps: tuple, act: str, layout: str, mode: str,
                                 kernel_variant: str) -> None:
    """All 65,536 (x1, x2) int8 pairs against TFLM, through each row kind of the dsp kernel (both
    operands advancing, four at a time; one operand a single value per row; a broadcast by channel)
    and each output rescaling (MF_DSP_RQ_FAST_FLOOR, FAST; EXACT for a clamp narrower than int8 and
    a left shift)."""
    from codegen.ops import dsp_pack
    from codegen.tflite.schema import fb

    shapes, values = _MUL_LAYOUTS[layout]
    specs = [Spec(shape, "int8", s, z) for shape, s, z in zip(shapes, scales, zps)]
    model = single_op("MUL", specs[:2], specs[2:], "MulOptions",
                      fusedActivationFunction=getattr(fb.ActivationFunctionType, act))
    if kernel_variant == "dsp":
        want = {"floor": dsp_pack.RQ_FAST_FLOOR, "fast": dsp_pack.RQ_FAST, "exact": dsp_pack.RQ_EXACT}[mode]
        assert [p["dsp_requant"] for p in dsp_params(model, "mf_mul_s8")] == [want]
    xs = [x.reshape(s) for x, s in zip(values(), shapes[:2])]
    r = compare_inputs(model, "mul_pairs", [xs], variant=kernel_variant)
    assert r.exact, r


@pytest.mark.qemu
def test_mul_s8_every_input_pair_on_cortex_m4(tmp_path) -> None:
    """The dsp MUL built for the emulated Cortex-M4 (mps2-an386), SXTAB16 / SMULBB / SMMLAR included,
    on all 65,536 pairs (both operands advancing, one a single value per row, a broadcast by channel)
    against TFLM."""
    from codegen.pio.project import kernel_variant as board_variant
    from codegen.reference import TflmReference
    from support.device_compare import run_on_device
    from support.firmware import built

    for layout, scales, zps in (("same", (0.0123, 0.0371, 0.002), (-7, 12, 3)),
                                ("rows_x_scalar", (0.05, 0.02, 0.004), (-128, 100, -128)),
                                ("by_channel", (0.05, 0.02, 0.004), (-128, 100, -128))):
        shapes, values = _MUL_LAYOUTS[layout]
        specs = [Spec(shape, "int8", s, z) for shape, s, z in zip(shapes, scales, zps)]
        model = single_op("MUL", specs[:2], specs[2:], "MulOptions")
        path = tmp_path / f"mul_{layout}.tflite"
        path.write_bytes(model)
        project, fw = built("mps2-an386", path, root=tmp_path / layout)
        assert board_variant(project.board, project.options) == "dsp"
        assert any(str(s).endswith("kernels/dsp/mf_mul_s8.c") for s in project.sources)
        xs = [x.reshape(s) for x, s in zip(values(), shapes[:2])]
        got = run_on_device(project, fw, [xs])[0][0]
        np.testing.assert_array_equal(got, TflmReference(model).run(xs)[0].reshape(got.shape))


# --- int32 ADD/SUB/MUL and int32/int64 MAXIMUM/MINIMUM (TFLM's integer kernels) -----------------

def test_int32_int64_arithmetic_and_minmax() -> None:
    """int32 ADD (TFLM never clamps it, whatever the fused activation), SUB and MUL (fused
    activation with int32 bounds), MAXIMUM and MINIMUM on int32 and int64, broadcast, with values
    that overflow int32 (TFLM's sums and products wrap). Written directly as flatbuffers: the TF
    converter keeps integer arithmetic out of quantised Keras models."""
    from support.tflite_build import Op, graph

    relu6 = (("fusedActivationFunction", fb_act("RELU6")),)
    t = {"a": Spec((1, 3, 8), "int32"), "b": Spec((1, 1, 8), "int32"), "k": Spec((1, 3, 8), "int64"),
         "l": Spec((1, 8), "int64")}
    names = ["add", "sub", "mul", "max", "min"]
    t.update({n: Spec((1, 3, 8), "int32") for n in names})
    t.update({"kmax": Spec((1, 3, 8), "int64"), "kmin": Spec((1, 3, 8), "int64")})
    ops = [Op("ADD", ("a", "b"), ("add",), "AddOptions", relu6), Op("SUB", ("a", "b"), ("sub",), "SubOptions", relu6),
           Op("MUL", ("a", "b"), ("mul",), "MulOptions", relu6), Op("MAXIMUM", ("a", "b"), ("max",)),
           Op("MINIMUM", ("b", "a"), ("min",)), Op("MAXIMUM", ("k", "l"), ("kmax",)),
           Op("MINIMUM", ("k", "l"), ("kmin",))]
    model = graph(t, ops, ["a", "b", "k", "l"], names + ["kmax", "kmin"])
    rng = np.random.default_rng(5)
    sets = []
    for lim in (10, 2**31):
        sets.append([rng.integers(-lim, lim, (1, 3, 8)).astype(np.int32), rng.integers(-lim, lim, (1, 1, 8)).astype(np.int32),
                     rng.integers(-2**62, 2**62, (1, 3, 8)).astype(np.int64), rng.integers(-2**62, 2**62, (1, 8)).astype(np.int64)])
    r = compare_inputs(model, "int_arith", sets)
    assert r.exact, r


def fb_act(name: str) -> int:
    from codegen.tflite.schema import fb
    return getattr(fb.ActivationFunctionType, name)
