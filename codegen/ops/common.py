"""Helpers shared by operator handlers: padding, shapes, type checks, common parameter sets."""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ir.graph import NO_TENSOR
from codegen.quant.params import activation_range_quantized


def compute_out_size(padding: str, image: int, filt: int, stride: int, dilation: int = 1) -> int:
    """TFLM ComputeOutSize."""
    effective = (filt - 1) * dilation + 1
    if padding == "SAME":
        return (image + stride - 1) // stride
    if padding == "VALID":
        return (image + stride - effective) // stride
    raise ValueError(f"padding {padding!r}")


def compute_padding(stride: int, dilation: int, in_size: int, filt: int, out_size: int) -> int:
    """TFLM ComputePaddingWithOffset: the smaller (top/left) half of the total padding."""
    effective = (filt - 1) * dilation + 1
    total = max(0, (out_size - 1) * stride + effective - in_size)
    return total // 2


def inputs(sg: Subgraph, op: Operator) -> list[Tensor | None]:
    return [sg.tensors[i] if i != NO_TENSOR else None for i in op.inputs]


def outputs(sg: Subgraph, op: Operator) -> list[Tensor]:
    return [sg.tensors[i] for i in op.outputs]


def check_arity(op: Operator, n_in: int = 2, n_out: int = 1) -> list[str]:
    """Why an op with other counts of inputs and outputs than `n_in` and `n_out` cannot be generated."""
    if len(op.inputs) != n_in or len(op.outputs) != n_out:
        return [f"{len(op.inputs)} inputs and {len(op.outputs)} outputs (expected {n_in} and {n_out})"]
    return []


def check_types(sg: Subgraph, op: Operator, allowed: dict[DType, str] | set[DType],
                what: str = "activation") -> list[str]:
    """The first input's type must be one of `allowed`."""
    t = sg.tensors[op.inputs[0]]
    if t.dtype not in allowed:
        names = ", ".join(sorted(d.name.lower() for d in allowed))
        return [f"{what} type {t.dtype.name.lower()} (supported: {names})"]
    return []


def require_quant(*tensors: Tensor | None) -> list[str]:
    out = []
    for t in tensors:
        if t is not None and t.dtype in (DType.INT8, DType.INT16, DType.UINT8) and t.quant is None:
            out.append(f"tensor {t.name!r} is {t.dtype.name.lower()} without quantisation parameters")
    return out


def require_const(t: Tensor | None, role: str) -> list[str]:
    if t is not None and not t.is_const:
        return [f"{role} {t.name!r} must be a constant (weights computed at run time are not supported)"]
    return []


def act_bounds(activation: str, out: Tensor) -> tuple[int, int]:
    assert out.quant is not None
    return activation_range_quantized(activation, out.quant, out.dtype)


FLT_MAX = float(np.finfo(np.float32).max)
_FLOAT_ACT = {"NONE": (-FLT_MAX, FLT_MAX), "RELU": (0.0, FLT_MAX), "RELU6": (0.0, 6.0),
              "RELU_N1_TO_1": (-1.0, 1.0)}


def act_bounds_float(activation: str) -> tuple[float, float]:
    """TFLM's CalculateActivationRange for float kernels: finite bounds (lowest()/max()), so a fused
    NONE or RELU clamps +-inf to +-FLT_MAX exactly as TFLM does."""
    try:
        return _FLOAT_ACT[activation]
    except KeyError:
        raise ValueError(f"fused activation {activation} is not supported") from None


def nhwc(t: Tensor) -> tuple[int, int, int]:
    """(H, W, C) of a rank-4 batch-1 tensor."""
    if len(t.shape) != 4:
        raise ValueError(f"{t.name}: expected rank 4 (NHWC), got {t.shape}")
    return t.shape[1], t.shape[2], t.shape[3]


def fused_activation(op: Operator) -> str:
    return str(op.opt("fusedActivationFunction", "NONE"))


SUPPORTED_FUSED = ("NONE", "RELU", "RELU6", "RELU_N1_TO_1")


def check_fused(op: Operator) -> list[str]:
    act = fused_activation(op)
    return [] if act in SUPPORTED_FUSED else [f"fused activation {act}"]
