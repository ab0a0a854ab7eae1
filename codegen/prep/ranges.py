"""What quantisation chose, read back from a .tflite (no TensorFlow): per tensor, the scale and zero
point and the real range they represent; per constant, the values actually stored and how many are
zero (pruning); per model, the sizes (file, weights, deflate-compressed)."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import numpy as np

from codegen.ir import DType, Graph
from codegen.ir.graph import NO_TENSOR

# operators whose input 1 is a weight tensor and input 2 a bias
WEIGHTED = {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED", "TRANSPOSE_CONV", "CONV_3D"}
INT_RANGE = {DType.INT8: (-128, 127), DType.INT16: (-32768, 32767), DType.UINT8: (0, 255)}


@dataclass(frozen=True)
class TensorRange:
    index: int
    name: str
    role: str                    # input | output | activation | weights | bias | constant
    dtype: str                   # int8, int16, int32, float32
    shape: tuple[int, ...]
    channels: int = 0            # 0: not quantised; 1: per tensor; >1: per channel
    scale: float = 0.0           # per tensor; per channel: the smallest
    scale_max: float = 0.0       # per channel: the largest (== scale per tensor)
    zero_point: int = 0
    real_min: float | None = None   # what the integer range represents (None: not quantised, or int32)
    real_max: float | None = None
    value_min: float | None = None  # constants: the stored values, dequantised
    value_max: float | None = None
    zeros: float | None = None      # constants: fraction of stored values that are exactly zero


@dataclass(frozen=True)
class ModelStats:
    file_bytes: int
    deflated_bytes: int          # zlib level 9 of the whole .tflite
    weights_bytes: int           # bytes of every weights/bias/constant tensor
    kernel_params: int           # elements of the weights of CONV/FC-like operators
    kernel_zeros: float          # fraction of those that are exactly zero
    activation_types: tuple[str, ...]


def short_name(name: str, width: int = 44) -> str:
    """A TFLite tensor name for a table: the first of ';'-joined names, cut from the left."""
    n = name.split(";")[0]
    return n if len(n) <= width else "…" + n[-(width - 1):]


def common_scope(names: list[str]) -> str:
    """The name scope every scoped tensor name starts with ("digits_fixed_1/digits_1/"), or ""."""
    scoped = [n.split(";")[0].split("/")[:-1] for n in names if "/" in n.split(";")[0]]
    if len(scoped) < 2:
        return ""
    common = scoped[0]
    for parts in scoped[1:]:
        k = 0
        while k < min(len(common), len(parts)) and common[k] == parts[k]:
            k += 1
        common = common[:k]
    return "/".join(common) + "/" if common else ""


def _roles(graph: Graph) -> dict[int, str]:
    sg = graph.main
    roles: dict[int, str] = {}
    for op in sg.operators:
        for pos, t in enumerate(op.inputs):
            if t == NO_TENSOR or not sg.tensors[t].is_const:
                continue
            if op.opcode in WEIGHTED and pos in (1, 2):
                roles.setdefault(t, "weights" if pos == 1 else "bias")
            else:
                roles.setdefault(t, "constant")
    for t in sg.inputs:
        roles[t] = "input"
    for t in sg.outputs:
        roles[t] = "output"
    return roles


def tensor_ranges(graph: Graph) -> tuple[TensorRange, ...]:
    """Every tensor of the main subgraph, in index order."""
    sg = graph.main
    roles = _roles(graph)
    out = []
    for t in sg.tensors:
        role = roles.get(t.index, "constant" if t.is_const else "activation")
        r = TensorRange(index=t.index, name=t.name, role=role, dtype=t.dtype.name.lower(), shape=tuple(t.shape))
        q = t.quant
        fields: dict = {}
        if q is not None and q.scale:
            scales = np.asarray(q.scale, dtype=np.float64)
            fields.update(channels=len(scales), scale=float(scales.min()), scale_max=float(scales.max()),
                          zero_point=int(q.zero_point[0]))
            if t.dtype in INT_RANGE:
                lo, hi = INT_RANGE[t.dtype]
                zps = np.asarray(q.zero_point, dtype=np.float64)
                fields.update(real_min=float(np.min(scales * (lo - zps))), real_max=float(np.max(scales * (hi - zps))))
        if t.is_const and t.data is not None and t.data.size and t.dtype.np.kind in "fiu":
            data = np.asarray(t.data)
            vals = data.astype(np.float64)
            if q is not None and q.scale and data.dtype.kind in "iu":
                axis_len = len(q.scale)
                if axis_len > 1 and data.ndim > q.axis and data.shape[q.axis] == axis_len:
                    shape = [1] * data.ndim
                    shape[q.axis] = axis_len
                    s = np.asarray(q.scale).reshape(shape)
                    z = np.asarray(q.zero_point).reshape(shape) if len(q.zero_point) == axis_len else q.zero_point[0]
                    vals = (vals - z) * s
                else:
                    vals = (vals - q.zero_point[0]) * q.scale[0]
            fields.update(value_min=float(vals.min()), value_max=float(vals.max()),
                          zeros=float(np.count_nonzero(data == 0)) / data.size)
        out.append(replace(r, **fields))
    return tuple(out)


def float_operators(graph: Graph) -> tuple[tuple[int, str], ...]:
    """Operators computing in float32 inside a quantised model, as (index, opcode): what the converter
    left unquantised (wrapped in DEQUANTIZE/QUANTIZE, or fed straight from a float model input)."""
    sg = graph.main
    found = []
    for op in sg.operators:
        if op.opcode in ("QUANTIZE", "DEQUANTIZE"):
            continue  # the wrappers themselves, and the float model I/O
        tensors = [sg.tensors[t] for t in (*op.inputs, *op.outputs) if t != NO_TENSOR]
        if any(t.dtype == DType.FLOAT32 and not t.is_const for t in tensors):
            found.append((op.index, op.opcode))
    return tuple(found)


def model_stats(data: bytes, graph: Graph) -> ModelStats:
    sg = graph.main
    roles = _roles(graph)
    weights = sum(t.nbytes for t in sg.tensors if t.is_const)
    kernels = [sg.tensors[i] for i, r in roles.items() if r == "weights"]
    params = sum(t.elements for t in kernels)
    zeros = sum(int(np.count_nonzero(np.asarray(t.data) == 0)) for t in kernels if t.data is not None)
    acts = sorted({t.dtype.name.lower() for t in sg.tensors if not t.is_const and roles.get(t.index, "activation") == "activation"})
    return ModelStats(file_bytes=len(data), deflated_bytes=len(zlib.compress(data, 9)), weights_bytes=weights,
                      kernel_params=params, kernel_zeros=zeros / params if params else 0.0,
                      activation_types=tuple(acts))
