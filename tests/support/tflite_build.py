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
          "bool": fb.TensorType.BOOL}


@dataclass(frozen=True)
class Spec:
    """A tensor: shape, element type, per-tensor quantisation (None for float), constant data."""

    shape: tuple[int, ...]
    dtype: str = "int8"
    scale: float | None = None
    zero_point: int = 0
    data: Any = None  # array-like constant contents


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
        if s.scale is not None:
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
class QSpec(Spec):
    """A tensor quantised per channel: ``scales``/``zero_points`` along ``axis`` (``scale`` unused)."""

    scales: tuple[float, ...] = ()
    zero_points: tuple[int, ...] = ()
    axis: int = 0


@dataclass(frozen=True)
class Op:
    """One operator of a :func:`graph`: tensor indices into its tensor list, builtin options."""

    opcode: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    options: str | None = None
    values: tuple[tuple[str, Any], ...] = ()


def _tensor(k: int, s: Spec, buffers: list) -> Any:
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
    q = None
    if isinstance(s, QSpec) and s.scales:
        q = fb.QuantizationParametersT()
        q.scale = [float(x) for x in s.scales]
        q.zeroPoint = [int(z) for z in (s.zero_points or (0,) * len(s.scales))]
        q.quantizedDimension = s.axis
    elif s.scale is not None:
        q = fb.QuantizationParametersT()
        q.scale = [float(s.scale)]
        q.zeroPoint = [int(s.zero_point)]
    t.quantization = q
    return t


def graph(tensors: list[Spec], ops: list[Op], inputs: tuple[int, ...], outputs: tuple[int, ...],
          description: str = "mcuforge test graph") -> bytes:
    """A model with several operators over `tensors` (indices as in `ops`; -1 marks an absent optional
    input); `inputs`/`outputs` are the model's. For groups of operators in one model (one build and one
    emulator run cover them all) and for operators the converter does not emit."""
    buffers = [fb.BufferT()]
    fb_tensors = [_tensor(k, s, buffers) for k, s in enumerate(tensors)]
    names = sorted({o.opcode for o in ops})
    codes = []
    for name in names:
        code = fb.OperatorCodeT()
        code.builtinCode = getattr(fb.BuiltinOperator, name)
        code.deprecatedBuiltinCode = min(code.builtinCode, 127)
        code.version = 1
        codes.append(code)
    fb_ops = []
    for o in ops:
        op = fb.OperatorT()
        op.opcodeIndex = names.index(o.opcode)
        op.inputs = np.array(o.inputs, dtype=np.int32)
        op.outputs = np.array(o.outputs, dtype=np.int32)
        if o.options is not None:
            op.builtinOptionsType = getattr(fb.BuiltinOptions, o.options)
            table = getattr(fb, o.options + "T")()
            for key, value in o.values:
                setattr(table, key, value)
            op.builtinOptions = table
        fb_ops.append(op)
    sg = fb.SubGraphT()
    sg.tensors = fb_tensors
    sg.inputs = np.array(inputs, dtype=np.int32)
    sg.outputs = np.array(outputs, dtype=np.int32)
    sg.operators = fb_ops
    model = fb.ModelT()
    model.version = 3
    model.operatorCodes = codes
    model.subgraphs = [sg]
    model.buffers = buffers
    model.description = description
    b = flatbuffers.Builder(1024)
    b.Finish(model.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())


def one_op(opcode: str, inputs: list[Spec], outputs: list[Spec], options: str | None = None,
           **option_values: Any) -> bytes:
    """Like :func:`single_op`, with per-channel tensors (:class:`QSpec`), int64/bool tensors and absent
    optional inputs (a None in `inputs`)."""
    tensors = [s for s in inputs if s is not None] + list(outputs)
    idx, k = [], 0
    for s in inputs:
        idx.append(-1 if s is None else k)
        k += s is not None
    outs = tuple(range(k, k + len(outputs)))
    model_inputs = tuple(i for i, s in zip(idx, [s for s in inputs]) if s is not None and s.data is None)
    return graph(tensors, [Op(opcode, tuple(idx), outs, options, tuple(option_values.items()))], model_inputs, outs,
                 description=f"mcuforge test: {opcode}")
