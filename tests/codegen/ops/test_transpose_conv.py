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
