"""Parse a .tflite flatbuffer into a :class:`~codegen.ir.Graph`.

The reader uses the flatbuffer accessor API and checks every vector length against the file size
before walking it, so a corrupted or truncated file gives a clean :class:`ModelFormatError` instead
of a crash or an endless loop.
"""

from __future__ import annotations

import hashlib
import struct
from pathlib import Path
from types import MappingProxyType
from typing import Any

import numpy as np
from flatbuffers import flexbuffers

from codegen.errors import McuforgeError
from codegen.ir import DType, Graph, Operator, Quant, Subgraph, Tensor
from codegen.tflite.schema import ACTIVATIONS, BUILTIN_NAMES, OPTIONS_NAMES, PADDINGS, fb

FILE_IDENTIFIER = b"TFL3"


class ModelFormatError(McuforgeError):
    """The file is not a valid .tflite flatbuffer."""


_PARSE_ERRORS = (IndexError, struct.error, ValueError, TypeError, UnicodeDecodeError,
                 OverflowError, RecursionError, KeyError, AttributeError, MemoryError)


def read_model(path: str | Path) -> Graph:
    p = Path(path)
    if not p.is_file():
        raise McuforgeError(f"model file not found: {p}",
                            hint="pass model=PATH to an existing .tflite file")
    return read_model_bytes(p.read_bytes(), source=str(p))


def read_model_bytes(data: bytes, source: str = "<bytes>") -> Graph:
    data = bytes(data)
    if len(data) < 8:
        raise ModelFormatError(f"{source}: {len(data)} bytes is too short to be a .tflite model",
                               hint="give a TensorFlow Lite flatbuffer (.tflite), e.g. from tf.lite.TFLiteConverter")
    if data[4:8] != FILE_IDENTIFIER:
        raise ModelFormatError(
            f"{source}: not a TensorFlow Lite flatbuffer (file identifier {data[4:8]!r}, expected b'TFL3')",
            hint="convert the model with tf.lite.TFLiteConverter; .h5/.keras/SavedModel inputs go through "
                 "`python -m codegen quantize` first")
    try:
        return _Parser(data, source).graph()
    except ModelFormatError:
        raise
    except _PARSE_ERRORS as exc:
        raise ModelFormatError(
            f"{source}: the flatbuffer is truncated or corrupted ({type(exc).__name__}: {exc})",
            hint="re-export the model; if it was copied, check its size and sha256 against the original") from None


class _Parser:
    def __init__(self, data: bytes, source: str) -> None:
        self.data = data
        self.source = source
        root = struct.unpack_from("<I", data, 0)[0]
        if root + 4 > len(data):
            self._corrupt(f"root table offset {root} is past the end of the {len(data)}-byte file")
        self.model = fb.Model.GetRootAs(data, 0)

    def _corrupt(self, why: str) -> None:
        raise ModelFormatError(f"{self.source}: the flatbuffer is truncated or corrupted ({why})",
                               hint="re-export the model; if it was copied, check its size against the original")

    def _count(self, n: int, what: str, elem_size: int = 4) -> int:
        if n < 0 or n * elem_size > len(self.data):
            self._corrupt(f"{what} claims {n} entries in a {len(self.data)}-byte file")
        return n

    def graph(self) -> Graph:
        m = self.model
        version = m.Version()
        if version != 3:
            self._corrupt(f"schema version {version}, expected 3")
        n_buf = self._count(m.BuffersLength(), "buffer list")
        self.buffers = [m.Buffers(i) for i in range(n_buf)]
        n_codes = self._count(m.OperatorCodesLength(), "operator code list")
        self.opcodes: list[tuple[str, int]] = []
        for i in range(n_codes):
            oc = m.OperatorCodes(i)
            code = max(oc.BuiltinCode(), oc.DeprecatedBuiltinCode())
            name = BUILTIN_NAMES.get(code)
            if name is None:
                name = f"UNKNOWN_BUILTIN_{code}"
            if name == "CUSTOM":
                custom = oc.CustomCode()
                name = "CUSTOM:" + (custom.decode("utf-8", "replace") if custom else "?")
            self.opcodes.append((name, oc.Version()))
        n_sg = self._count(m.SubgraphsLength(), "subgraph list")
        if n_sg == 0:
            self._corrupt("the model has no subgraphs")
        subgraphs = tuple(self._subgraph(i, m.Subgraphs(i)) for i in range(n_sg))
        desc = m.Description()
        return Graph(subgraphs=subgraphs, sha256=hashlib.sha256(self.data).hexdigest(),
                     description=desc.decode("utf-8", "replace") if desc else "", source=self.source)

    def _subgraph(self, index: int, sg: Any) -> Subgraph:
        n_t = self._count(sg.TensorsLength(), "tensor list")
        tensors = tuple(self._tensor(i, sg.Tensors(i)) for i in range(n_t))
        n_op = self._count(sg.OperatorsLength(), "operator list")
        ops = tuple(self._operator(i, sg.Operators(i), n_t) for i in range(n_op))
        inputs = self._indices(sg.InputsAsNumpy() if not sg.InputsIsNone() else None, n_t, "subgraph inputs")
        outputs = self._indices(sg.OutputsAsNumpy() if not sg.OutputsIsNone() else None, n_t, "subgraph outputs")
        name = sg.Name()
        return Subgraph(index=index, name=name.decode("utf-8", "replace") if name else f"subgraph{index}",
                        tensors=tensors, operators=ops, inputs=inputs, outputs=outputs)

    def _indices(self, arr: Any, n_tensors: int, what: str, allow_absent: bool = False) -> tuple[int, ...]:
        if arr is None or isinstance(arr, int):
            return ()
        out = tuple(int(x) for x in arr)
        for x in out:
            if x >= n_tensors or x < (-1 if allow_absent else 0):
                self._corrupt(f"{what} name tensor {x}, but the subgraph has {n_tensors}")
        return out

    def _tensor(self, index: int, t: Any) -> Tensor:
        try:
            dtype = DType(t.Type())
        except ValueError:
            self._corrupt(f"tensor {index} has unknown type {t.Type()}")
        shape = tuple(int(x) for x in t.ShapeAsNumpy()) if not t.ShapeIsNone() else ()
        self._count(len(shape), "tensor shape")
        sig = tuple(int(x) for x in t.ShapeSignatureAsNumpy()) if not t.ShapeSignatureIsNone() else None
        name_b = t.Name()
        name = name_b.decode("utf-8", "replace") if name_b else f"t{index}"
        quant = self._quant(t.Quantization())
        data = None
        b = t.Buffer()
        if b >= len(self.buffers):
            self._corrupt(f"tensor {index} ({name}) names buffer {b}, but there are {len(self.buffers)}")
        sparsity = None
        if b > 0:
            raw = self._buffer_bytes(self.buffers[b], b)
            if raw is not None and len(raw) > 0:
                if t.Sparsity() is not None:
                    sparsity = self._sparsity(t.Sparsity(), len(raw), dtype, shape)
                else:
                    data = self._const_array(raw, dtype, shape, name)
        return Tensor(index=index, name=name, shape=shape, dtype=dtype, quant=quant, data=data,
                      is_variable=bool(t.IsVariable()), shape_signature=sig, sparsity=sparsity)

    def _sparsity(self, sp: Any, stored: int, dtype: DType, shape: tuple[int, ...]) -> str:
        """A sparse constant (TFLite sparsity parameters: the DENSIFY operator's input), described."""
        n_dims = self._count(sp.DimMetadataLength(), "sparsity dimensions")
        kinds = []
        for k in range(n_dims):
            kinds.append("CSR" if sp.DimMetadata(k).Format() == 1 else "dense")
        blocks = sp.BlockMapLength()
        dense = int(np.prod(shape)) * dtype.size if shape else dtype.size
        return (f"{dtype.name.lower()}[{'x'.join(map(str, shape))}] stored sparse ({', '.join(kinds)} dimensions"
                f"{f', {blocks} block dimension(s)' if blocks else ''}): {stored:,} bytes for {dense:,} dense")

    def _buffer_bytes(self, buf: Any, index: int) -> bytes | None:
        offset, size = buf.Offset(), buf.Size()
        if offset > 1:  # data stored after the flatbuffer (models > 2 GB or with --use_buffer_offset)
            if offset + size > len(self.data):
                self._corrupt(f"buffer {index} spans bytes {offset}..{offset + size} of a {len(self.data)}-byte file")
            return self.data[offset:offset + size]
        if buf.DataIsNone():
            return None
        n = self._count(buf.DataLength(), f"buffer {index}", 1)
        arr = buf.DataAsNumpy()
        if isinstance(arr, int) or len(arr) != n:
            self._corrupt(f"buffer {index} is cut short")
        return arr.tobytes()

    def _const_array(self, raw: bytes, dtype: DType, shape: tuple[int, ...], name: str) -> np.ndarray:
        if dtype in (DType.STRING, DType.RESOURCE, DType.VARIANT):
            return np.frombuffer(raw, dtype=np.uint8)
        if dtype == DType.INT4:
            packed = np.frombuffer(raw, dtype=np.uint8)
            lo = (packed & 0x0F).astype(np.int8)
            hi = (packed >> 4).astype(np.int8)
            vals = np.stack([lo, hi], axis=-1).reshape(-1)
            vals = np.where(vals > 7, vals - 16, vals).astype(np.int8)
            n = int(np.prod(shape)) if shape else 1
            return vals[:n].reshape(shape)
        try:
            npd = dtype.np
        except ValueError:
            return np.frombuffer(raw, dtype=np.uint8)
        n = int(np.prod(shape)) if shape else 1
        if len(raw) != n * npd.itemsize:
            self._corrupt(f"constant tensor {name!r} holds {len(raw)} bytes, its shape {list(shape)} "
                          f"of {dtype.name} needs {n * npd.itemsize}")
        arr = np.frombuffer(raw, dtype=npd).reshape(shape)
        arr.setflags(write=False)
        return arr

    def _quant(self, q: Any) -> Quant | None:
        if q is None or q.ScaleIsNone() or q.ScaleLength() == 0:
            return None
        n = self._count(q.ScaleLength(), "quantization scales")
        scales = tuple(float(np.float32(x)) for x in q.ScaleAsNumpy())
        if q.ZeroPointIsNone():
            zps: tuple[int, ...] = (0,) * n
        else:
            self._count(q.ZeroPointLength(), "quantization zero points", 8)
            zps = tuple(int(x) for x in q.ZeroPointAsNumpy())
        if len(zps) != len(scales):
            self._corrupt(f"{len(scales)} quantization scales but {len(zps)} zero points")
        return Quant(scale=scales, zero_point=zps, axis=int(q.QuantizedDimension()))

    def _operator(self, index: int, op: Any, n_tensors: int) -> Operator:
        oi = op.OpcodeIndex()
        if oi >= len(self.opcodes):
            self._corrupt(f"operator {index} uses opcode {oi}, but the model lists {len(self.opcodes)}")
        name, version = self.opcodes[oi]
        inputs = self._indices(op.InputsAsNumpy() if not op.InputsIsNone() else None, n_tensors,
                               f"operator {index} ({name}) inputs", allow_absent=True)
        outputs = self._indices(op.OutputsAsNumpy() if not op.OutputsIsNone() else None, n_tensors,
                                f"operator {index} ({name}) outputs")
        inter = self._indices(op.IntermediatesAsNumpy() if not op.IntermediatesIsNone() else None,
                              n_tensors, f"operator {index} intermediates")
        options = self._custom_options(index, name, op) if name.startswith("CUSTOM:") else self._options(op)
        return Operator(index=index, opcode=name, inputs=inputs, outputs=outputs,
                        options=MappingProxyType(options), version=version,
                        intermediates=inter)

    def _custom_options(self, index: int, name: str, op: Any) -> dict[str, Any]:
        """A custom operator's options: the flexbuffer map TFLM's custom kernels read (empty if none)."""
        if op.CustomOptionsIsNone() or op.CustomOptionsLength() == 0:
            return {}
        n = self._count(op.CustomOptionsLength(), f"operator {index} custom options", 1)
        raw = op.CustomOptionsAsNumpy().tobytes()
        if len(raw) != n:
            self._corrupt(f"operator {index} ({name}) custom options are cut short")
        if op.CustomOptionsFormat() != 0:  # CustomOptionsFormat.FLEXBUFFERS
            return {}
        try:
            value = flexbuffers.Loads(raw)
        except Exception as exc:  # the flexbuffer reader raises anything on bad bytes
            raise ModelFormatError(f"{self.source}: operator {index} ({name}): its custom options are not a "
                                   f"valid flexbuffer ({type(exc).__name__}: {exc})",
                                   hint="re-export the model") from None
        if not isinstance(value, dict):
            raise ModelFormatError(f"{self.source}: operator {index} ({name}): its custom options are a "
                                   f"flexbuffer {type(value).__name__}, not a map", hint="re-export the model")
        return {str(k): v for k, v in value.items()}

    def _options(self, op: Any) -> dict[str, Any]:
        kind = op.BuiltinOptionsType()
        table = op.BuiltinOptions()
        if kind == 0 or table is None:
            return {}
        if kind not in OPTIONS_NAMES:
            self._corrupt(f"unknown builtin options type {kind}")
        obj = fb.BuiltinOptionsCreator(kind, table)
        if obj is None:
            return {}
        out: dict[str, Any] = {}
        for key, value in vars(obj).items():
            if isinstance(value, bytes):
                value = value.decode("utf-8", "replace")
            elif isinstance(value, np.ndarray):
                value = tuple(int(v) for v in value)
            elif isinstance(value, list):
                value = tuple(value)
            out[key] = value
        if "fusedActivationFunction" in out:
            out["fusedActivationFunction"] = ACTIVATIONS.get(out["fusedActivationFunction"], "UNKNOWN")
        if "padding" in out and isinstance(out["padding"], int):
            out["padding"] = PADDINGS.get(out["padding"], "UNKNOWN")
        return out
