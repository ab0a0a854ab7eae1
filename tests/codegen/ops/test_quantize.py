"""QUANTIZE and DEQUANTIZE against TFLM's interpreter.

* Models converted with float32 inputs and outputs (as deployed models often are): the converter
  puts QUANTIZE float32 -> int8/int16 after the input and DEQUANTIZE before the output. They are
  calibrated on [-0.5, 0.5] and fed [-1, 1], so QUANTIZE saturates too.
* Hand-built QUANTIZE between integer types (TFLM's Requantize: int8 -> int8 as a table,
  int8 <-> int16, int16 -> int16) and DEQUANTIZE, with unequal scales and zero points, on every
  value of the input type; QUANTIZE from float32 on exact rounding ties (x / scale = k + 1/2,
  which TFLM rounds away from zero) beyond the saturation limits.
* QUANTIZE float32 -> int8/int16 on a dense sweep: every float within a few ulps of every rounding
  boundary x / scale = k + 1/2 of the output range (and of the dsp kernel's internal saturation
  points), floats around zero, and random floats over the whole float32 range, against TFLM where
  TFLM is defined (|x / scale| < 2^31: its float-to-int conversion is undefined beyond, and for NaN
  and infinities); there the kernels saturate and map NaN to the zero point, checked on its own.
Every test runs on both kernel variants (the dsp QUANTIZE rounds with integer arithmetic on
trunc(2 x / scale) instead of roundf).

Float tolerance: 0. DEQUANTIZE is exact (TFLM's double product of a float scale and an integer
below 2^17 rounds once to float, as the kernel's float product does); the float outputs of the
converted models come straight out of a DEQUANTIZE.
"""

from __future__ import annotations

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel, variant_target
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes, compare_inputs
from support.tflite_build import Spec, every_value, single_op
from support.tflite_edit import ops_of
from support.tfmodels import Case, convert_float_io, convert_uint8_io
from support.variants import kernel_variant  # noqa: F401  (fixture)


def _float_io_case() -> Case:
    def build(tf):
        k = tf.keras.ops
        a = tf.keras.Input((4, 6, 5), batch_size=1)
        b = tf.keras.Input((6, 5), batch_size=1)
        return tf.keras.Model([a, b], [a + b, k.sigmoid(a * 4.0)])
    return Case("quantize_float_io_add_logistic", build, ((4, 6, 5), (6, 5)), low=-0.5, high=0.5)


@pytest.mark.parametrize("mode", ["int8", "int16x8"])
def test_float_io_boundary_quantize_dequantize(mode: str, kernel_variant: str) -> None:
    model = convert_float_io(_float_io_case(), mode)
    assert len(ops_of(model, "QUANTIZE")) >= 2 and len(ops_of(model, "DEQUANTIZE")) == 2
    r = compare_bytes(model, f"float_io_{mode}", samples=20, variant=kernel_variant)
    assert r.exact, r


def _uint8_io_case() -> Case:
    def build(tf):
        x = tf.keras.Input((8, 8, 3), batch_size=1)
        y = tf.keras.layers.Conv2D(6, 3, padding="same", activation="relu")(x)
        return tf.keras.Model(x, tf.keras.layers.Dense(4)(tf.keras.layers.Flatten()(y)))
    return Case("quantize_uint8_io_conv_dense", build, ((8, 8, 3),), low=0.0, high=1.0)


def test_uint8_io_boundary_requantisations(kernel_variant: str) -> None:
    """A model converted with uint8 inputs and outputs, as older camera models ship: the converter
    puts QUANTIZE uint8 -> int8 after the input and int8 -> uint8 before the output."""
    model = convert_uint8_io(_uint8_io_case())
    m = compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))
    assert [t.dtype.name for t in (*m.inputs, *m.outputs)] == ["UINT8", "UINT8"]
    assert {"mf_lut_u8_s8", "mf_lut_s8_u8"} <= set(m.kernels)
    r = compare_bytes(model, "uint8_io", samples=20, variant=kernel_variant)
    assert r.exact, r


S8 = (1, 256)
S16 = (1, 65536)


@pytest.mark.parametrize("inp,out", [
    pytest.param(Spec(S8, "float32"), Spec(S8, "uint8", 0.01, 128), id="f32_u8"),
    pytest.param(Spec(S8, "uint8", 0.02, 128), Spec(S8, "uint8", 0.03, 120), id="u8_u8"),
    pytest.param(Spec(S16, "int16", 2e-4, 0), Spec(S16, "uint8", 0.03, 120), id="s16_u8"),
])
def test_quantize_pairs_tflm_refuses_are_refused(inp: Spec, out: Spec) -> None:
    """TFLM's QUANTIZE fails at run time on these ("Input FLOAT32, output UINT8 not supported"):
    the generator says so at build time, with the pairs it does take."""
    model = single_op("QUANTIZE", [inp], [out])
    with pytest.raises(UnsupportedModelError, match=r"-> uint8 \(supported: .*uint8->int8, int8->uint8"):
        compile_model(read_model_bytes(model), options=GenerateOptions(prefix="m"))


@pytest.mark.parametrize("opcode,inp,out", [
    pytest.param("QUANTIZE", Spec(S8, "int8", 0.02, 5), Spec(S8, "int8", 0.031, -7), id="requantize_s8_s8"),
    pytest.param("QUANTIZE", Spec(S8, "int8", 0.02, 3), Spec(S8, "int16", 1e-4, 0), id="requantize_s8_s16"),
    pytest.param("QUANTIZE", Spec(S16, "int16", 3e-4, 0), Spec(S16, "int8", 0.01, 4), id="requantize_s16_s8"),
    pytest.param("QUANTIZE", Spec(S16, "int16", 3e-4, 0), Spec(S16, "int16", 1.3e-4, 0), id="requantize_s16_s16"),
    # uint8 model I/O (converter option inference_input_type=tf.uint8): the same scale with zero points
    # 128 apart is TFLM's x ^ 0x80 fast path; otherwise its general Requantize
    pytest.param("QUANTIZE", Spec(S8, "uint8", 0.02, 128), Spec(S8, "int8", 0.02, 0), id="requantize_u8_s8_shift"),
    pytest.param("QUANTIZE", Spec(S8, "uint8", 0.02, 100), Spec(S8, "int8", 0.031, -7), id="requantize_u8_s8"),
    pytest.param("QUANTIZE", Spec(S8, "int8", 0.0039, -3), Spec(S8, "uint8", 0.0039, 125), id="requantize_s8_u8_shift"),
    pytest.param("QUANTIZE", Spec(S8, "int8", 0.02, 5), Spec(S8, "uint8", 0.013, 120), id="requantize_s8_u8"),
    pytest.param("DEQUANTIZE", Spec(S8, "int8", 0.0173, -13), Spec(S8, "float32"), id="dequantize_s8_f32"),
    pytest.param("DEQUANTIZE", Spec(S8, "uint8", 0.0173, 131), Spec(S8, "float32"), id="dequantize_u8_f32"),
    pytest.param("DEQUANTIZE", Spec(S16, "int16", 3.7e-4, 0), Spec(S16, "float32"), id="dequantize_s16_f32"),
])
def test_requantize_dequantize_every_value(opcode: str, inp: Spec, out: Spec, kernel_variant: str) -> None:
    model = single_op(opcode, [inp], [out])
    r = compare_inputs(model, opcode.lower(), every_value(inp), variant=kernel_variant)
    assert r.exact, r


@pytest.mark.parametrize("out", [
    pytest.param(Spec((1, 1800), "int8", 0.25, 9), id="quantize_f32_s8_pot_scale_ties_saturating"),
    pytest.param(Spec((1, 1800), "int8", 0.0031, -4), id="quantize_f32_s8_near_ties_saturating"),
    pytest.param(Spec((1, 1800), "int16", 2.0 ** -7, 0), id="quantize_f32_s16_pot_scale_ties"),
    pytest.param(Spec((1, 1800), "int16", 3.7e-4, 0), id="quantize_f32_s16_near_ties"),
    pytest.param(Spec((1, 1800), "int16", 2.0 ** -16, -5), id="quantize_f32_s16_ties_saturating"),
])
def test_quantize_float_rounding_ties(out: Spec, kernel_variant: str) -> None:
    """Inputs float32((k + 1/2) * scale), k in [-300, 300), and their float neighbours: exact ties for
    power-of-two scales (TFLM rounds them away from zero), and quotients within an ulp of a tie
    otherwise (the dsp kernel's product with 1 / scale sends these to the division)."""
    x = ((np.arange(-300, 300) + 0.5) * np.float64(np.float32(out.scale))).astype(np.float32)
    x = np.concatenate([x, np.nextafter(x, np.float32(np.inf)), np.nextafter(x, np.float32(-np.inf))])
    model = single_op("QUANTIZE", [Spec(out.shape, "float32")], [out])
    r = compare_inputs(model, "quantize_ties", [[x], [-x]], variant=kernel_variant)
    assert r.exact, r
    r = compare_bytes(model, "quantize_random", samples=5, variant=kernel_variant)
    assert r.exact, r


# --- QUANTIZE float32 -> int8/int16: dense sweeps --------------------------------------------------

SWEEP = 1 << 16   # elements per input set
ULPS = 6          # floats on each side of the one nearest to a boundary
TFLM_DEFINED = 2.0 ** 31 - 256  # |x / scale| below this: TFLM's conversion and offset are defined


def _around(centres: np.ndarray, ulps: int = ULPS) -> np.ndarray:
    """The float32 values within `ulps` ulps of each float32 nearest to `centres` (float64), in the
    order of the floats (through zero from one sign to the other)."""
    bits = np.asarray(centres, dtype=np.float64).astype(np.float32).view(np.int32).astype(np.int64)
    key = np.where(bits >= 0, bits, -(bits & 0x7FFFFFFF))   # monotonic in the float's value
    keys = (key[None, :] + np.arange(-ulps, ulps + 1)[:, None]).reshape(-1)
    keys = keys[np.abs(keys) <= 0x7F7FFFFF]                 # finite
    out = np.where(keys >= 0, keys, (-keys) | 0x80000000)
    return out.astype(np.uint32).view(np.float32)


def _sweep(out: Spec, rng: np.random.Generator) -> np.ndarray:
    """Floats whose quotient by the scale lies within a few ulps of a rounding boundary k + 1/2
    across the output range (two beyond each end), of the dsp kernel's saturation points (|q| near
    2^14, 2^22, 2^30), around zero, and random floats: log-uniform magnitudes with |q| < 2^31 and
    random bit patterns (NaN/inf removed)."""
    info = np.iinfo(out.dtype)
    scale = np.float64(np.float32(out.scale))
    k = np.arange(info.min - out.zero_point - 3, info.max - out.zero_point + 3, dtype=np.float64)
    edges = np.array([2.0 ** 14, 2.0 ** 22, 2.0 ** 30, TFLM_DEFINED])
    parts = [_around((k + 0.5) * scale), _around(np.concatenate([edges, -edges]) * scale, 64),
             _around(np.array([0.0, 0.5 * scale, -0.5 * scale, 1e-40, -1e-40]), 64)]
    mags = np.exp(rng.uniform(np.log(1e-45), np.log(TFLM_DEFINED * scale), 4 * SWEEP))
    parts.append((mags * rng.choice([-1.0, 1.0], mags.size)).astype(np.float32))
    bits = rng.integers(0, 1 << 32, 2 * SWEEP, dtype=np.uint64).astype(np.uint32).view(np.float32)
    parts.append(bits[np.isfinite(bits)])
    return np.concatenate(parts)


def _host(model: bytes, variant: str) -> HostModel:
    compiled = compile_model(read_model_bytes(model, source="quantize_sweep.tflite"), target=variant_target(variant),
                             options=GenerateOptions(prefix="m"))
    return HostModel(compiled, variant=variant)


@pytest.mark.parametrize("out", [
    pytest.param(Spec((1, SWEEP), "int8", 2.0 ** -7, -3), id="s8_pot_scale_exact_ties"),
    pytest.param(Spec((1, SWEEP), "int8", 1 / 255, -128), id="s8_image_scale_zp_min"),
    pytest.param(Spec((1, SWEEP), "int8", 0.37, 17), id="s8_coarse_scale"),
    pytest.param(Spec((1, SWEEP), "int16", 3.7e-4, 0), id="s16_near_ties"),
    pytest.param(Spec((1, SWEEP), "int16", 2.0 ** -12, 5), id="s16_pot_scale_exact_ties"),
])
def test_quantize_float_dense_sweep(out: Spec, kernel_variant: str) -> None:
    """Every float near every rounding boundary and random floats, against TFLM (its float32
    division and std::round) where TFLM is defined; outside (|x / scale| >= 2^31 - 256, infinities,
    NaN) the kernels saturate by sign and give the zero point for NaN."""
    rng = np.random.default_rng(1)
    x = _sweep(out, rng)
    with np.errstate(over="ignore", invalid="ignore"):
        q = x / np.float32(out.scale)
    inside = np.abs(q.astype(np.float64)) < TFLM_DEFINED
    model = single_op("QUANTIZE", [Spec(out.shape, "float32")], [out])
    xs = x[inside]
    xs = np.resize(xs, -(-xs.size // SWEEP) * SWEEP).reshape(-1, SWEEP)
    r = compare_inputs(model, "quantize_sweep", [[row] for row in xs], variant=kernel_variant)
    assert r.exact, r

    info = np.iinfo(out.dtype)
    special = np.concatenate([x[~inside], np.array([np.inf, -np.inf, np.nan, -np.nan], dtype=np.float32)])
    with np.errstate(over="ignore", invalid="ignore"):
        sq = special / np.float32(out.scale)
    want = np.where(np.isnan(sq), out.zero_point, np.where(sq > 0, info.max, info.min))
    rows = np.resize(special, -(-special.size // SWEEP) * SWEEP).reshape(-1, SWEEP)
    host = _host(model, kernel_variant)
    try:
        got = np.concatenate([host.run([row.reshape(out.shape)])[0].reshape(-1) for row in rows])[:special.size]
    finally:
        host.close()
    np.testing.assert_array_equal(got, want.astype(out.dtype))


@pytest.mark.qemu
@pytest.mark.parametrize("out", [
    pytest.param(Spec((1,), "int8", 0.0031, -4), id="s8_vcvt_s16"),
    pytest.param(Spec((1,), "int16", 3.7e-4, 3), id="s16_vcvt_s32"),
])
def test_quantize_float_on_cortex_m4(out: Spec, tmp_path) -> None:
    """The dsp kernel built for the emulated Cortex-M4 (mps2-an386), its VCVT to fixed point and SSAT
    included: floats within 6 ulps of the rounding boundaries (all of int8's, int16's two ends and
    150 more), of the saturation points and of zero, infinities and NaN; TFLM where it is defined,
    saturation and the zero point (NaN) elsewhere."""
    from codegen.pio.project import kernel_variant as board_variant
    from codegen.reference import TflmReference
    from support.device_compare import run_on_device
    from support.firmware import built

    info = np.iinfo(out.dtype)
    scale = np.float64(np.float32(out.scale))
    rng = np.random.default_rng(0)
    k = np.arange(info.min - out.zero_point - 3, info.max - out.zero_point + 3, dtype=np.float64)
    if k.size > 600:
        k = np.concatenate([k[:40], k[-40:], rng.choice(k, 150, replace=False)])
    edges = np.array([2.0 ** 14, 2.0 ** 22, 2.0 ** 30, 2.0 ** 31, 2.0 ** 32, 1e30])
    x = np.concatenate([_around((k + 0.5) * scale), _around(np.concatenate([edges, -edges]) * scale, 4),
                        _around(np.array([0.0, 1e-40, -1e-40]), 4),
                        np.array([np.inf, -np.inf, np.nan, -np.nan, 3e38, -3e38], dtype=np.float32)])
    model = single_op("QUANTIZE", [Spec((1, x.size), "float32")], [Spec((1, x.size), out.dtype, out.scale,
                                                                         out.zero_point)])
    path = tmp_path / f"quantize_{out.dtype}.tflite"
    path.write_bytes(model)
    project, fw = built("mps2-an386", path, root=tmp_path)
    assert board_variant(project.board, project.options) == "dsp"
    assert any(str(s).endswith(f"kernels/dsp/mf_quantize_{out.dtype.replace('int', 's')}.c") for s in project.sources)
    got = run_on_device(project, fw, [[x]])[0][0].reshape(-1)
    want = TflmReference(model).run([x.reshape(1, -1)])[0].reshape(-1)
    with np.errstate(over="ignore", invalid="ignore"):
        q = x / np.float32(out.scale)
    inside = np.abs(q.astype(np.float64)) < TFLM_DEFINED
    np.testing.assert_array_equal(got[inside], want[inside])
    sat = np.where(np.isnan(q), out.zero_point, np.where(q > 0, info.max, info.min))
    np.testing.assert_array_equal(got[~inside], sat[~inside].astype(out.dtype))


@pytest.mark.qemu
def test_uint8_io_on_the_emulated_stm32l475(tmp_path) -> None:
    """The uint8-I/O model through the firmware on the default board: uint8 in over the protocol,
    the uint8 <-> int8 tables and the dsp convolution on ARM, uint8 out, identical to TFLM."""
    from support.device_compare import compare_on_device
    from support.firmware import built

    path = tmp_path / "uint8_io.tflite"
    path.write_bytes(convert_uint8_io(_uint8_io_case()))
    res = compare_on_device(*built("stm32l475", path, root=tmp_path), samples=5)
    assert res.mismatches == 0, res


# --- int32 requantisation and per-channel inputs (TFLM's quantize_common.cc / dequantize.cc) ------

@pytest.mark.parametrize("src,dst", [
    pytest.param(("int8", 0.05, 3), ("int32", 0.0007, -100), id="s8_to_s32"),
    pytest.param(("int16", 0.05, 0), ("int32", 0.0007, 11), id="s16_to_s32"),
    pytest.param(("int32", 0.00001, 5), ("int8", 100.0, -3), id="s32_to_s8"),
    pytest.param(("int32", 0.00001, -5), ("int16", 1.0, 0), id="s32_to_s16"),
])
def test_int32_requantisation(src, dst) -> None:
    """The four int32 pairs TFLM's QUANTIZE takes (written directly: the converter emits int32
    requantisation only inside LSTMs), over the whole input range (int32 centring wraps as in TFLM)."""
    from support.compare import compare_inputs
    from support.tflite_build import Spec, single_op

    model = single_op("QUANTIZE", [Spec((1, 4, 64), *src)], [Spec((1, 4, 64), *dst)])
    info = np.iinfo(src[0])
    rng = np.random.default_rng(12)
    xs = [[rng.integers(info.min, info.max, (1, 4, 64), endpoint=True).astype(src[0])] for _ in range(3)]
    xs[0][0].reshape(-1)[:2] = [info.min, info.max]
    r = compare_inputs(model, "requantize_s32", xs)
    assert r.exact, r


def test_dequantize_per_channel_weights_reads_first_channel() -> None:
    """TFLM's DEQUANTIZE of a per-channel tensor uses its first scale and zero point for every element
    (TfLiteTensor.params); mcuforge does the same, so outputs are identical (constant weights
    dequantized and added to the model's input)."""
    from support.compare import compare_inputs
    from support.tflite_build import Op, Spec, graph

    rng = np.random.default_rng(13)
    w = rng.integers(-128, 128, (1, 4, 16)).astype(np.int8)
    tensors = {"x": Spec((1, 4, 16), "float32"),
               "w": Spec((1, 4, 16), "int8", data=w, channel_scales=(0.1, 0.2, 0.3, 0.4),
                         channel_zero_points=(1, 2, 3, 4), channel_axis=1),
               "wf": Spec((1, 4, 16), "float32"), "y": Spec((1, 4, 16), "float32")}
    model = graph(tensors, [Op("DEQUANTIZE", ("w",), ("wf",)), Op("ADD", ("x", "wf"), ("y",), "AddOptions")],
                  ["x"], ["y"])
    x = rng.uniform(-1, 1, (1, 4, 16)).astype(np.float32)
    r = compare_inputs(model, "dequantize_per_channel", [[x]])
    assert r.exact, r


def test_per_channel_parameters_on_a_computed_tensor_are_refused() -> None:
    """A tensor computed at run time with per-channel scales: TFLM's kernels read its first scale only,
    so the model is refused as malformed (issue 10's per-channel rule), naming the tensor."""
    from codegen.generate import compile_model
    from codegen.tflite import read_model_bytes
    from codegen.wellformed import MalformedModelError
    from support.tflite_build import Spec, single_op

    spec = Spec((1, 4, 16), "int8", channel_scales=(0.1, 0.2, 0.3, 0.4), channel_zero_points=(1, 2, 3, 4),
                channel_axis=1)
    model = single_op("DEQUANTIZE", [spec], [Spec((1, 4, 16), "float32")])
    with pytest.raises(MalformedModelError, match="per-channel scales, but it is computed at run time"):
        compile_model(read_model_bytes(model, source="dequantize_per_channel.tflite"))


def test_quantize_per_channel_output_refused() -> None:
    from codegen.ops.registry import handler
    from codegen.tflite import read_model_bytes
    from support.tflite_build import Spec, single_op

    out = Spec((1, 2, 4), "int8", channel_scales=(0.1, 0.2), channel_axis=1)
    sg = read_model_bytes(single_op("QUANTIZE", [Spec((1, 2, 4), "float32")], [out])).main
    problems = handler("QUANTIZE").check(sg, sg.operators[0])
    assert problems and "must be per-tensor in TFLM" in problems[0], problems
