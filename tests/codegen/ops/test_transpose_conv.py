"""TRANSPOSE_CONV against TFLM's interpreter: int8 (per-channel and per-tensor weights) and int16x8
bit-exact, float32 exact (FLOAT_TOL = 0: the kernels sum each output in TFLM's order, measured
identical). Keras Conv2DTranspose layers over strides, SAME/VALID, odd and even and non-square
kernels, output padding, with and without a bias; the converter emits the activation as its own op,
so fused activations are set in the converted model (TFLM applies them).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from codegen.check import UnsupportedModelError
from codegen.generate import compile_model
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.tflite_edit import ops_of, set_fused_activation
from support.tfmodels import Case, convert, convert_with

ALL = ("int8", "int16x8", "float32")


@dataclass(frozen=True)
class TConv:
    name: str
    in_shape: tuple[int, int, int]
    filters: int
    kernel: tuple[int, int]
    strides: tuple[int, int]
    padding: str
    bias: bool = True
    output_padding: tuple[int, int] | None = None
    fused: str = "NONE"
    modes: tuple[str, ...] = ALL

    def case(self) -> Case:
        spec = self

        def build(tf):
            x = tf.keras.Input(spec.in_shape, batch_size=1)
            y = tf.keras.layers.Conv2DTranspose(spec.filters, spec.kernel, strides=spec.strides, padding=spec.padding,
                                                output_padding=spec.output_padding, use_bias=spec.bias,
                                                bias_initializer="random_uniform")(x)
            return tf.keras.Model(x, y)

        params = {k: v for k, v in vars(self).items() if k not in ("name", "fused", "modes")}
        return Case(self.name, build, (self.in_shape,), params=params, low=-2.0, high=2.0)


SPECS = [
    TConv("tconv_k3s2_same_c3to5", (4, 4, 3), 5, (3, 3), (2, 2), "same"),
    TConv("tconv_k2s2_valid_c4to2", (3, 5, 4), 2, (2, 2), (2, 2), "valid"),
    TConv("tconv_k3x2s1_same_no_bias", (5, 4, 2), 3, (3, 2), (1, 1), "same", bias=False),
    TConv("tconv_k4s3_valid_odd", (3, 3, 3), 4, (4, 4), (3, 3), "valid"),
    TConv("tconv_k3s2x1_same_output_padding", (4, 3, 2), 3, (3, 3), (2, 1), "same", output_padding=(1, 0)),
    TConv("tconv_k5s2_same_fused_relu6", (3, 4, 2), 4, (5, 5), (2, 2), "same", fused="RELU6"),
    TConv("tconv_k3s2_valid_fused_relu", (3, 3, 4), 3, (3, 3), (2, 2), "valid", fused="RELU"),
]


def _model(spec: TConv, mode: str, per_tensor: bool = False) -> bytes:
    if per_tensor:
        model = convert_with(spec.case(), mode, _experimental_disable_per_channel=True)
    else:
        model = convert(spec.case(), mode)
    if spec.fused != "NONE":
        model = set_fused_activation(model, "TRANSPOSE_CONV", spec.fused)
    return model


@pytest.mark.parametrize("spec,mode", [pytest.param(s, m, id=f"{s.name}-{m}") for s in SPECS for m in s.modes])
def test_transpose_conv_bit_exact(spec, mode):
    model = _model(spec, mode)
    ((sg, op),) = ops_of(model, "TRANSPOSE_CONV")
    assert (len(op.inputs) == 4 and op.inputs[3] >= 0) == spec.bias
    assert op.opt("fusedActivationFunction") == spec.fused
    r = compare_bytes(model, spec.name, samples=5)
    assert r.exact, r


@pytest.mark.parametrize("k", [0, 3])
def test_transpose_conv_int8_per_tensor_weights(k):
    model = _model(SPECS[k], "int8", per_tensor=True)
    ((sg, op),) = ops_of(model, "TRANSPOSE_CONV")
    assert not sg.tensors[op.inputs[1]].quant.per_channel
    r = compare_bytes(model, SPECS[k].name + "_per_tensor", samples=5)
    assert r.exact, r


def _retype_bias(model: bytes, dtype: str) -> bytes:
    """The model with its TRANSPOSE_CONV bias stored as `dtype` (values kept, clipped to the type)."""
    import flatbuffers
    from codegen.tflite.schema import fb
    m = fb.ModelT.InitFromPackedBuf(model, 0)
    t = m.subgraphs[0].tensors[m.subgraphs[0].operators[0].inputs[3]]
    old = np.frombuffer(bytes(m.buffers[t.buffer].data), dtype={fb.TensorType.INT32: np.int32,
                                                                 fb.TensorType.INT64: np.int64}[t.type])
    info = np.iinfo(dtype)
    m.buffers[t.buffer].data = np.frombuffer(np.clip(old, info.min, info.max).astype(dtype).tobytes(), np.uint8)
    t.type = getattr(fb.TensorType, dtype.upper())
    b = flatbuffers.Builder(len(model) + 1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def test_transpose_conv_int16_bias_widened_like_tflm():
    """An int16x8 model may carry an int16 bias: TFLM widens it to int64 at run time."""
    model = _retype_bias(_model(SPECS[0], "int16x8"), "int16")
    r = compare_bytes(model, "tconv_int16_bias", samples=5)
    assert r.exact, r


@pytest.mark.parametrize("mode,dtype", [("int8", "int64"), ("int16x8", "int32")])
def test_transpose_conv_misread_bias_refused(mode, dtype):
    """TFLM reads an int8 model's bias as int32 and an int16x8 model's as int64 (or int16), whatever its
    type: another bias type gives other numbers in TFLM (shown here), so it is refused."""
    from codegen.reference import TflmReference
    model = _model(SPECS[0], mode)
    edited = _retype_bias(model, dtype)
    x = np.random.default_rng(0).integers(-100, 100, (1, 4, 4, 3)).astype(np.int8 if mode == "int8" else np.int16)
    assert not np.array_equal(TflmReference(model).run([x])[0], TflmReference(edited).run([x])[0])
    with pytest.raises(UnsupportedModelError, match=f"bias of type {dtype} with .* activations .TFLM reads the bias as"):
        compile_model(read_model_bytes(edited, source="tconv_bias.tflite"))


# --- the acceptance model: a TRANSPOSE_CONV decoder on the emulated STM32L475 ----------------------

def decoder_case() -> Case:
    """A small convolutional autoencoder: two strided CONV_2D encode 16x16x1 to 4x4x16, two strided
    TRANSPOSE_CONV (biased, ReLU between) decode it back to 16x16x1."""
    def build(tf):
        layers = tf.keras.layers
        x = tf.keras.Input((16, 16, 1), batch_size=1)
        y = layers.Conv2D(8, 3, strides=2, padding="same", activation="relu")(x)
        y = layers.Conv2D(16, 3, strides=2, padding="same", activation="relu")(y)
        y = layers.Conv2DTranspose(8, 3, strides=2, padding="same", activation="relu",
                                   bias_initializer="random_uniform")(y)
        y = layers.Conv2DTranspose(1, 3, strides=2, padding="same", bias_initializer="random_uniform")(y)
        return tf.keras.Model(x, y)

    return Case("tconv_decoder", build, ((16, 16, 1),), low=0.0, high=1.0)


def test_decoder_inspect_shows_the_ops_and_the_arena_plan(tmp_path):
    import json
    import subprocess
    import sys
    from support.paths import ROOT
    path = tmp_path / "tconv_decoder.tflite"
    path.write_bytes(convert(decoder_case(), "int8"))
    res = subprocess.run([sys.executable, "-m", "codegen", "inspect", str(path), "--board", "stm32l475"],
                         capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert res.returncode == 0, res.stderr
    assert res.stdout.count("TRANSPOSE_CONV") >= 3 and "CONV_2D" in res.stdout  # two rows + "ops used"
    d = json.loads(subprocess.run([sys.executable, "-m", "codegen", "inspect", str(path), "--json", "--board",
                                   "stm32l475"], capture_output=True, text=True, timeout=120, cwd=ROOT).stdout)
    assert [o["op"] for o in d["ops"]].count("TRANSPOSE_CONV") == 2
    sizes = [o["arena_bytes"] for o in d["ops"]]
    # plausible: at least the largest activation (input 256 B, decoder output 256 B, 8x8x8 = 512 B)
    # and no more than every activation side by side
    assert max(sizes) <= d["arena_bytes"] <= sum(sizes) + 256
    assert d["arena_bytes"] >= 512
    for o in d["ops"]:
        assert 0 <= o["arena_offset"] and o["arena_offset"] + o["arena_bytes"] <= d["arena_bytes"], o
    assert "arena      " in res.stdout


@pytest.mark.qemu
def test_decoder_bit_exact_on_emulated_stm32l475_through_scons(tmp_path):
    """The user's path: `scons board=stm32l475 model=... test` builds with PlatformIO, runs on QEMU's
    B-L475E-IOT01A and validates every sample against TFLM."""
    import json
    import subprocess
    import sys
    from pathlib import Path
    from support.paths import ROOT
    path = tmp_path / "tconv_decoder.tflite"
    path.write_bytes(convert(decoder_case(), "int8"))
    scons = [str(Path(sys.executable).with_name("scons")), "-C", str(ROOT)]
    res = subprocess.run([*scons, "board=stm32l475", f"model={path}", f"build_dir={tmp_path / 'build'}", "test",
                          "samples=5"], capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    v = json.loads((tmp_path / "build" / "stm32l475" / "tconv_decoder" / "validate.json").read_text())
    assert v["samples"] == 5 and v["bit_exact"] and v["mismatches"] == 0, v
    assert "bit-exact" in res.stdout


@pytest.mark.parametrize("dtype", ["int8", "float32"])
def test_transpose_conv_batch_of_two(dtype):
    """A batch-2 tensor inside the model (a RESHAPE of the batch-1 input): TFLM runs each batch."""
    from codegen.tflite.schema import fb
    from support.tflite_build import Op, Spec, graph
    rng = np.random.default_rng(4)
    q = {"scale": 0.05, "zero_point": 2} if dtype == "int8" else {}
    w = rng.integers(-127, 128, (5, 3, 3, 3))
    if dtype == "int8":
        weights = Spec(w.shape, "int8", data=w, channel_scales=tuple(rng.uniform(0.002, 0.01, 5)),
                       channel_zero_points=(0,) * 5)
        bias = Spec((5,), "int32", data=rng.integers(-300, 300, 5))
    else:
        weights, bias = Spec(w.shape, "float32", data=w / 100.0), Spec((5,), "float32", data=rng.uniform(-1, 1, 5))
    tensors = {"x": Spec((1, 4, 4, 6), dtype, **q), "shape2": Spec((4,), "int32", data=[2, 4, 4, 3]),
               "x2": Spec((2, 4, 4, 3), dtype, **q), "out_shape": Spec((4,), "int32", data=[2, 8, 8, 5]),
               "w": weights, "b": bias,
               "y": Spec((2, 8, 8, 5), dtype, **({"scale": 0.2, "zero_point": -1} if dtype == "int8" else {}))}
    ops = [Op("RESHAPE", ("x", "shape2"), ("x2",)),
           Op("TRANSPOSE_CONV", ("out_shape", "w", "x2", "b"), ("y",), "TransposeConvOptions",
              (("padding", fb.Padding.SAME), ("strideH", 2), ("strideW", 2)))]
    r = compare_bytes(graph(tensors, ops, ["x"], ["y"]), f"tconv_batch2_{dtype}", samples=4)
    assert r.exact, r
