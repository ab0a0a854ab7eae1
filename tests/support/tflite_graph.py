"""Small multi-operator .tflite models written directly with the flatbuffer object API.

For operators and types TensorFlow's converter does not produce: SVDF, an int16x8 LSTM, TFLM's
custom CIRCULAR_BUFFER, or chosen corners of TFLite_Detection_PostProcess. Compared with
:func:`support.tflite_build.single_op` this writes several operators, variable tensors, int64 and
bool tensors, and custom operators with flexbuffer options.
"""

from __future__ import annotations

from typing import Any

import flatbuffers
import numpy as np

from codegen.tflite.schema import fb

_TYPES = {"float32": fb.TensorType.FLOAT32, "int8": fb.TensorType.INT8, "int16": fb.TensorType.INT16,
          "int32": fb.TensorType.INT32, "int64": fb.TensorType.INT64, "uint8": fb.TensorType.UINT8,
          "bool": fb.TensorType.BOOL, "float16": fb.TensorType.FLOAT16}


class GraphBuilder:
    """One subgraph: ``tensor`` and ``op`` calls in execution order, then ``build``."""

    def __init__(self, description: str) -> None:
        self.description = description
        self.buffers = [fb.BufferT()]
        self.tensors: list[Any] = []
        self.ops: list[Any] = []
        self.codes: list[tuple[int, str | None, int]] = []  # (builtin code, custom name, version)

    def tensor(self, shape: tuple[int, ...], dtype: str = "int8", scale: float | list[float] | None = None,
               zero_point: int | list[int] = 0, data: Any = None, variable: bool = False,
               name: str | None = None, axis: int = 0) -> int:
        t = fb.TensorT()
        t.shape = np.array(shape, dtype=np.int32)
        t.type = _TYPES[dtype]
        t.name = name or f"t{len(self.tensors)}"
        t.buffer = 0
        t.isVariable = variable
        if data is not None:
            b = fb.BufferT()
            b.data = np.frombuffer(np.ascontiguousarray(np.asarray(data, dtype=dtype)).tobytes(), dtype=np.uint8)
            self.buffers.append(b)
            t.buffer = len(self.buffers) - 1
        if scale is not None:
            scales = [float(s) for s in np.atleast_1d(scale)]
            zps = [int(z) for z in np.atleast_1d(zero_point)]
            q = fb.QuantizationParametersT()
            q.scale = scales
            q.zeroPoint = zps if len(zps) == len(scales) else zps * len(scales)
            q.quantizedDimension = axis
            t.quantization = q
        self.tensors.append(t)
        return len(self.tensors) - 1

    def _code(self, builtin: int, custom: str | None, version: int) -> int:
        key = (builtin, custom, version)
        if key not in self.codes:
            self.codes.append(key)
        return self.codes.index(key)

    def op(self, opcode: str, inputs: list[int], outputs: list[int], options: str | None = None,
           custom_options: bytes | None = None, version: int = 1, **option_values: Any) -> None:
        """A builtin (``"SVDF"``) or, with ``custom_options`` or a name not in the schema, a custom
        operator (``"CIRCULAR_BUFFER"``); `options` names the builtin options table."""
        o = fb.OperatorT()
        builtin = getattr(fb.BuiltinOperator, opcode, None)
        if builtin is None or custom_options is not None:
            o.opcodeIndex = self._code(fb.BuiltinOperator.CUSTOM, opcode, version)
            o.customOptions = np.frombuffer(custom_options or b"", dtype=np.uint8)
            o.customOptionsFormat = fb.CustomOptionsFormat.FLEXBUFFERS
        else:
            o.opcodeIndex = self._code(builtin, None, version)
        o.inputs = np.array(inputs, dtype=np.int32)
        o.outputs = np.array(outputs, dtype=np.int32)
        if options is not None:
            o.builtinOptionsType = getattr(fb.BuiltinOptions, options)
            table = getattr(fb, options + "T")()
            for key, value in option_values.items():
                setattr(table, key, value)
            o.builtinOptions = table
        self.ops.append(o)

    def build(self, inputs: list[int], outputs: list[int]) -> bytes:
        sg = fb.SubGraphT()
        sg.tensors = self.tensors
        sg.inputs = np.array(inputs, dtype=np.int32)
        sg.outputs = np.array(outputs, dtype=np.int32)
        sg.operators = self.ops
        codes = []
        for builtin, custom, version in self.codes:
            c = fb.OperatorCodeT()
            c.builtinCode = builtin
            c.deprecatedBuiltinCode = min(builtin, 127)
            c.version = version
            if custom is not None:
                c.customCode = custom
            codes.append(c)
        model = fb.ModelT()
        model.version = 3
        model.operatorCodes = codes
        model.subgraphs = [sg]
        model.buffers = self.buffers
        model.description = f"mcuforge test: {self.description}"
        b = flatbuffers.Builder(4096)
        b.Finish(model.Pack(b), file_identifier=b"TFL3")
        return bytes(b.Output())
