"""One-operator .tflite models written directly with the flatbuffer object API.

For parameter corners the TensorFlow converter does not produce on demand: a QUANTIZE between two
integer types, a negative LEAKY_RELU alpha, chosen scales and zero points. Everything else in the
per-op tests comes from Keras models converted by TensorFlow (:mod:`support.tfmodels`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import flatbuffers
import numpy as np

from codegen.tflite.schema import fb

_TYPES = {"float32": fb.TensorType.FLOAT32, "int8": fb.TensorType.INT8, "int16": fb.TensorType.INT16,
          "int32": fb.TensorType.INT32, "uint8": fb.TensorType.UINT8, "int64": fb.TensorType.INT64,
          "bool": fb.TensorType.BOOL, "uint32": fb.TensorType.UINT32}


@dataclass(frozen=True)
class Spec:
    """A tensor: shape, element type, per-tensor quantisation (None for float), constant data."""

    shape: tuple[int, ...]
    dtype: str = "int8"
    scale: float | None = None
    zero_point: int = 0
    data: Any = None  # array-like constant contents
    channel_scales: tuple[float, ...] = ()  # per-channel quantisation (overrides scale/zero_point)
    channel_zero_points: tuple[int, ...] = ()
    channel_axis: int = 0


def single_op(opcode: str, inputs: list[Spec], outputs: list[Spec], options: str | None = None,
              **option_values: Any) -> bytes:
    """A model running one `opcode` operator; non-constant inputs become the model inputs.
    `options` names the builtin options table (``"LeakyReluOptions"``), set from `option_values`."""
    buffers = [fb.BufferT()]
    tensors = []
    for k, s in enumerate(inputs + outputs):
        t = fb.TensorT()
        t.shape = np.array(s.shape, dtype=np.int32)
        t.type = _TYPES[s.dtype]
        t.name = f"t{k}"
        t.buffer = 0
        if s.data is not None:
            b = fb.BufferT()
            b.data = np.frombuffer(np.asarray(s.data, dtype=s.dtype).tobytes(), dtype=np.uint8)
            buffers.append(b)
            t.buffer = len(buffers) - 1
        if s.channel_scales:
            q = fb.QuantizationParametersT()
            q.scale = [float(v) for v in s.channel_scales]
            q.zeroPoint = [int(v) for v in (s.channel_zero_points or (0,) * len(s.channel_scales))]
            q.quantizedDimension = s.channel_axis
            t.quantization = q
        elif s.scale is not None:
            q = fb.QuantizationParametersT()
            q.scale = [float(s.scale)]
            q.zeroPoint = [int(s.zero_point)]
            t.quantization = q
        tensors.append(t)
    op = fb.OperatorT()
    op.opcodeIndex = 0
    op.inputs = np.arange(len(inputs), dtype=np.int32)
    op.outputs = np.arange(len(inputs), len(inputs) + len(outputs), dtype=np.int32)
    if options is not None:
        op.builtinOptionsType = getattr(fb.BuiltinOptions, options)
        table = getattr(fb, options + "T")()
        for key, value in option_values.items():
            setattr(table, key, value)
        op.builtinOptions = table
    sg = fb.SubGraphT()
    sg.tensors = tensors
    sg.inputs = np.array([k for k, s in enumerate(inputs) if s.data is None], dtype=np.int32)
    sg.outputs = np.array(op.outputs, dtype=np.int32)
    sg.operators = [op]
    code = fb.OperatorCodeT()
    code.builtinCode = getattr(fb.BuiltinOperator, opcode)
    code.deprecatedBuiltinCode = min(code.builtinCode, 127)
    code.version = 1
    model = fb.ModelT()
    model.version = 3
    model.operatorCodes = [code]
    model.subgraphs = [sg]
    model.buffers = buffers
    model.description = f"mcuforge test: {opcode}"
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def every_value(spec: Spec, float_sets: int = 5) -> list[list[np.ndarray]]:
    """Input sets for a one-input model: one set holding every value of the spec's integer type
    (tiled to its shape, which needs at least 2^bits elements), or `float_sets` random float sets."""
    if spec.dtype == "float32":
        rng = np.random.default_rng(0)
        return [[rng.uniform(-1, 1, spec.shape).astype(np.float32)] for _ in range(float_sets)]
    info = np.iinfo(spec.dtype)
    values = np.arange(info.min, info.max + 1)
    n = int(np.prod(spec.shape))
    return [[np.resize(values, n).astype(spec.dtype).reshape(spec.shape)]]


@dataclass(frozen=True)
class Op:
    """One operator of a :func:`graph` model: its builtin, input and output tensor names, and its
    builtin options table (``"DivOptions"``) with field values."""

    opcode: str
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    options: str | None = None
    values: tuple[tuple[str, Any], ...] = ()


def graph(tensors: dict[str, Spec], ops: list[Op], inputs: list[str], outputs: list[str],
          description: str = "mcuforge test graph") -> bytes:
    """A model of several operators over named tensors (parallel branches, several outputs), for
    tests that cover many operators with one firmware build. Tensors with `data` are constants."""
    names = list(tensors)
    index = {n: k for k, n in enumerate(names)}
    buffers = [fb.BufferT()]
    fb_tensors = []
    for n in names:
        s = tensors[n]
        one = single_op_tensor(s, n, buffers)
        fb_tensors.append(one)
    codes: list[str] = []
    fb_ops = []
    for o in ops:
        if o.opcode not in codes:
            codes.append(o.opcode)
        op = fb.OperatorT()
        op.opcodeIndex = codes.index(o.opcode)
        op.inputs = np.array([index[n] for n in o.inputs], dtype=np.int32)
        op.outputs = np.array([index[n] for n in o.outputs], dtype=np.int32)
        if o.options is not None:
            op.builtinOptionsType = getattr(fb.BuiltinOptions, o.options)
            table = getattr(fb, o.options + "T")()
            for key, value in o.values:
                setattr(table, key, value)
            op.builtinOptions = table
        fb_ops.append(op)
    sg = fb.SubGraphT()
    sg.tensors = fb_tensors
    sg.inputs = np.array([index[n] for n in inputs], dtype=np.int32)
    sg.outputs = np.array([index[n] for n in outputs], dtype=np.int32)
    sg.operators = fb_ops
    model = fb.ModelT()
    model.version = 3
    model.operatorCodes = []
    for name in codes:
        code = fb.OperatorCodeT()
        code.builtinCode = getattr(fb.BuiltinOperator, name)
        code.deprecatedBuiltinCode = min(code.builtinCode, 127)
        code.version = 1
        model.operatorCodes.append(code)
    model.subgraphs = [sg]
    model.buffers = buffers
    model.description = description
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def single_op_tensor(s: Spec, name: str, buffers: list) -> Any:
    """The flatbuffer tensor for a Spec (constant data appended to `buffers`)."""
    t = fb.TensorT()
    t.shape = np.array(s.shape, dtype=np.int32)
    t.type = _TYPES[s.dtype]
    t.name = name
    t.buffer = 0
    if s.data is not None:
        b = fb.BufferT()
        b.data = np.frombuffer(np.asarray(s.data, dtype=s.dtype).tobytes(), dtype=np.uint8)
        buffers.append(b)
        t.buffer = len(buffers) - 1
    if s.channel_scales:
        q = fb.QuantizationParametersT()
        q.scale = [float(v) for v in s.channel_scales]
        q.zeroPoint = [int(v) for v in (s.channel_zero_points or (0,) * len(s.channel_scales))]
        q.quantizedDimension = s.channel_axis
        t.quantization = q
    elif s.scale is not None:
        q = fb.QuantizationParametersT()
        q.scale = [float(s.scale)]
        q.zeroPoint = [int(s.zero_point)]
        t.quantization = q
    return t
