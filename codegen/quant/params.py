"""Per-op quantisation parameters shared by several kernels (activation ranges, output scaling)."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.ir import DType, Quant
from codegen.quant.multiplier import f32, quantize_multiplier

_QRANGE = {DType.INT8: (-128, 127), DType.UINT8: (0, 255), DType.INT16: (-32768, 32767),
           DType.INT32: (-(1 << 31), (1 << 31) - 1)}


def qrange(dtype: DType) -> tuple[int, int]:
    try:
        return _QRANGE[dtype]
    except KeyError:
        raise ValueError(f"{dtype.name} is not a quantised type") from None


def quantize_value(x: float, q: Quant) -> int:
    """TFLM's ``zero_point + round(x / scale)`` in float32 (used for activation bounds)."""
    from codegen.quant.multiplier import round_half_away
    return q.zp + round_half_away(f32(f32(x) / f32(q.s)))


def activation_range_quantized(activation: str, out: Quant, dtype: DType) -> tuple[int, int]:
    """TFLM's CalculateActivationRangeQuantized: the clamp bounds for a fused activation."""
    lo, hi = qrange(dtype)
    if activation == "RELU":
        return max(lo, quantize_value(0.0, out)), hi
    if activation == "RELU6":
        return max(lo, quantize_value(0.0, out)), min(hi, quantize_value(6.0, out))
    if activation == "RELU_N1_TO_1":
        return max(lo, quantize_value(-1.0, out)), min(hi, quantize_value(1.0, out))
    if activation == "NONE":
        return lo, hi
    raise ValueError(f"fused activation {activation} is not supported")


@dataclass(frozen=True)
class ChannelScaling:
    """Per-output-channel fixed-point scaling: out = MBQM(acc, mult[c], shift[c])."""

    mult: tuple[int, ...]
    shift: tuple[int, ...]


def conv_channel_scaling(inp: Quant, flt: Quant, out: Quant, channels: int) -> ChannelScaling:
    """TFLM PopulateConvolutionQuantizationParams: double(in) * double(filter[c]) / double(out)."""
    mults, shifts = [], []
    for c in range(channels):
        fs = flt.scale[c] if flt.per_channel else flt.scale[0]
        q, s = quantize_multiplier(inp.s * fs / out.s)
        mults.append(q)
        shifts.append(s)
    return ChannelScaling(tuple(mults), tuple(shifts))
