"""Lookup tables computed at build time with TFLM's exact arithmetic.

* int8 activations: an element-wise int8 -> int8 function has only 256 possible inputs, so the
  generator evaluates TFLM's integer kernel (fixed-point LOGISTIC/TANH, HARD_SWISH, RELU, LEAKY_RELU,
  requantisation) for each of them here and the device does one table lookup per element.
* int16 SOFTMAX: TFLM's 513-entry interpolation tables for exp(x) on [-10, 0] and 1/(1+x) on [0, 1]
  (``LUTPopulate<int16_t>``), generated in float32 exactly as TFLM generates them.
* int16 LOGISTIC/TANH: TFLM's fixed 256-entry sigmoid table.

TFLM evaluates ``std::exp`` and ``std::log`` on float in its Prepare; float32 results of ``expf`` differ
between math libraries in the last bit for a few inputs, which can move a table entry by one. On the
host we call the C library's ``expf``/``logf`` (the ones the TFLM reference interpreter links against);
elsewhere we fall back to the correctly rounded float32 value.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from codegen.ir import DType
from codegen.quant import gemmlowp as fp
from codegen.quant.multiplier import multiply_by_quantized_multiplier, round_half_away
from codegen.quant.params import qrange

F32 = np.float32


def _libm() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("m")
    if not name:
        return None
    try:
        lib = ctypes.CDLL(name)
        for fn in ("expf", "logf"):
            getattr(lib, fn).restype = ctypes.c_float
            getattr(lib, fn).argtypes = [ctypes.c_float]
        return lib
    except (OSError, AttributeError):
        return None


_LIBM = _libm()


def expf(x: float) -> float:
    """C ``expf``: the float32 exponential TFLM's Prepare uses."""
    if _LIBM is not None:
        return float(_LIBM.expf(float(x)))
    return float(F32(math.exp(float(x))))


def logf(x: float) -> float:
    if _LIBM is not None:
        return float(_LIBM.logf(float(x)))
    return float(F32(math.log(float(x))))


def f32(x: float) -> float:
    return float(F32(x))


def roundf(x: float) -> float:
    """``std::round`` on a float: halves away from zero."""
    return float(round_half_away(x))


def checked_log2(x: float) -> tuple[bool, int]:
    """TFLM CheckedLog2 (float32): (x is a power of two within 1e-3 in log2, the rounded log2)."""
    x_log2 = f32(logf(x) * f32(1.0 / float(F32(logf(2.0)))))
    rounded = roundf(x_log2)
    return abs(f32(x_log2 - rounded)) < 1e-3, int(rounded)


# --- one-byte tables (int8 -> int8, uint8 <-> int8) ----------------------------------------------

def table_s8(fn: Callable[[int], int]) -> np.ndarray:
    """The 256-entry table indexed by the input's raw byte: entry (uint8)q holds fn(q)."""
    return byte_table(fn, DType.INT8, DType.INT8)


def byte_table(fn: Callable[[int], int], inp: DType, out: DType) -> np.ndarray:
    """A 256-entry table from a one-byte type to a one-byte type (int8 or uint8), indexed by the
    input's raw byte: entry (uint8)q holds fn(q), which must lie in the output type's range."""
    lo, hi = qrange(out)
    first, last = qrange(inp)
    table = np.zeros(256, dtype=out.np)
    for q in range(first, last + 1):
        v = fn(q)
        if not lo <= v <= hi:
            raise AssertionError(f"table function returned {v} for {q}")
        table[q & 0xFF] = v
    return table


def requantize_bytes(inp: DType, out: DType, in_zp: int, out_zp: int, mult: int, shift: int,
                     bounds: tuple[int, int] | None = None) -> np.ndarray:
    """TFLM Requantize between one-byte types (int8 -> int8, uint8 -> int8, int8 -> uint8):
    clamp(out_zp + MBQM(q - in_zp, mult, shift)) to `bounds` (default: the output type's range).
    TFLM's fast path for a pure 128 shift between uint8 and int8 (x ^ 0x80) gives the same values."""
    lo, hi = bounds or qrange(out)
    return byte_table(lambda q: _clamp(out_zp + multiply_by_quantized_multiplier(q - in_zp, mult, shift), lo, hi),
                      inp, out)


def _clamp(v: int, lo: int, hi: int) -> int:
    return lo if v < lo else hi if v > hi else v


def requantize_s8(in_zp: int, out_zp: int, mult: int, shift: int, lo: int = -128, hi: int = 127) -> np.ndarray:
    """TFLM Requantize / ReluQuantized: clamp(out_zp + MBQM(q - in_zp, mult, shift), lo, hi)."""
    return requantize_bytes(DType.INT8, DType.INT8, in_zp, out_zp, mult, shift, (lo, hi))


def clamp_s8(lo: int, hi: int) -> np.ndarray:
    return table_s8(lambda q: _clamp(q, lo, hi))


@dataclass(frozen=True)
class LeakyReluParams:
    in_zp: int
    out_zp: int
    mult_identity: int
    shift_identity: int
    mult_alpha: int
    shift_alpha: int


def leaky_relu_value(q: int, p: LeakyReluParams, lo: int, hi: int) -> int:
    """TFLM QuantizeLeakyRelu for one element. A negative alpha gives a negative multiplier, used as
    is (the installed TFLM does not split off the sign; the negative-alpha tests tell the two apart)."""
    x = q - p.in_zp
    if x >= 0:
        v = p.out_zp + multiply_by_quantized_multiplier(x, p.mult_identity, p.shift_identity)
    else:
        v = p.out_zp + multiply_by_quantized_multiplier(x, p.mult_alpha, p.shift_alpha)
    return _clamp(v, lo, hi)


def leaky_relu_s8(p: LeakyReluParams) -> np.ndarray:
    return table_s8(lambda q: leaky_relu_value(q, p, -128, 127))


@dataclass(frozen=True)
class HardSwishParams:
    in_zp: int
    out_zp: int
    out_mult16: int
    out_exp: int
    relu_mult16: int
    relu_exp: int


def hard_swish_value(q: int, p: HardSwishParams) -> int:
    """TFLM's quantized HardSwish for one int8 element (int16 fixed point)."""
    hires = fp.wrap16((q - p.in_zp) * 128)
    preshift_out = fp.srdhm16(hires, p.out_mult16)
    reluish = hires
    if p.relu_exp > 0:
        reluish = fp.saturating_left_shift16(reluish, p.relu_exp - 1)
    reluish = fp.srdhm16(reluish, p.relu_mult16)
    if p.relu_exp > 0:
        reluish = fp.saturating_left_shift16(reluish, 1)
    if p.relu_exp < 0:
        reluish = fp.rdbpot16(reluish, -p.relu_exp)
    reluish = (reluish + (1 << 15)) >> 1
    preshift = fp.sdhm16(reluish, preshift_out)
    out = fp.wrap16(fp.rdbpot16(preshift, -p.out_exp) + p.out_zp)
    return _clamp(out, -128, 127)


def hard_swish_s8(p: HardSwishParams) -> np.ndarray:
    return table_s8(lambda q: hard_swish_value(q, p))


@dataclass(frozen=True)
class SigmoidParams:
    """TFLM's int8 LOGISTIC/TANH input scaling: Q4.27 input, radius beyond which outputs saturate."""

    in_zp: int
    mult: int
    shift: int
    radius: int


def _sigmoid_value(q: int, p: SigmoidParams, f: Callable[[int, int], int], exponent: int, offset: int) -> int:
    """TFLM's int8 LOGISTIC/TANH of one input: saturated beyond the radius, else the Q4.27 input through
    `f` (gemmlowp's fixed-point function, Q0.31 out) rounded by 2^-`exponent` and moved by `offset`."""
    x = q - p.in_zp
    if x <= -p.radius:
        return -128
    if x >= p.radius:
        return 127
    q4 = multiply_by_quantized_multiplier(x, p.mult, p.shift)
    return _clamp(fp.rdbpot(f(q4, 4), exponent) + offset, -128, 127)


def logistic_value(q: int, p: SigmoidParams) -> int:
    return _sigmoid_value(q, p, fp.logistic, 31 - 8, -128)


def tanh_value(q: int, p: SigmoidParams) -> int:
    return _sigmoid_value(q, p, fp.tanh, 31 - 7, 0)


def logistic_s8(p: SigmoidParams) -> np.ndarray:
    return table_s8(lambda q: logistic_value(q, p))


def tanh_s8(p: SigmoidParams) -> np.ndarray:
    return table_s8(lambda q: tanh_value(q, p))


# --- int16 interpolation tables (SOFTMAX) --------------------------------------------------------

def lut_populate_int16(transform: Callable[[float], float], input_scale: float, input_zp: int,
                       output_scale: float, output_zp: int) -> np.ndarray:
    """TFLM LUTPopulate<int16_t> (float32 arithmetic): 512 biased samples plus the end point."""
    input_min = f32(input_scale * f32(-32768 - input_zp))
    input_max = f32(input_scale * f32(32767 - input_zp))
    output_min = f32(output_scale * f32(-32768 - output_zp))
    output_max = f32(output_scale * f32(32767 - output_zp))
    steps = 512
    step = f32(f32(input_max - input_min) / steps)
    half_step = f32(step / 2)
    scaling_inv = f32(65536.0 / f32(output_max - output_min))
    lut = np.zeros(steps + 1, dtype=np.int16)
    for i in range(steps):
        x = f32(input_min + f32(i * step))
        val = transform(x)
        val_mid = transform(f32(x + half_step))
        val_next = transform(f32(input_min + f32((i + 1) * step)))
        sample = roundf(f32(val * scaling_inv))
        mid_interp = roundf(f32(f32(f32(val_next * scaling_inv) + roundf(f32(val * scaling_inv))) / 2))
        mid = roundf(f32(val_mid * scaling_inv))
        bias = roundf(f32(f32(mid_interp - mid) / 2))
        lut[i] = int(min(max(f32(sample - bias), -32768.0), 32767.0))
    lut[steps] = int(min(max(roundf(f32(transform(input_max) * scaling_inv)), -32768.0), 32767.0))
    return lut


def softmax_exp_lut() -> np.ndarray:
    """exp(x) on [-10, 0] in Q0.15 (TFLM SOFTMAX int16 Prepare)."""
    rng = 65535
    return lut_populate_int16(expf, f32(10.0 / rng), 32767, f32(2.0 / rng), 0)


def softmax_one_over_one_plus_x_lut() -> np.ndarray:
    """1 / (1 + x) on [0, 1] in Q0.15 (TFLM SOFTMAX int16 Prepare)."""
    rng = 65535
    return lut_populate_int16(lambda v: f32(1.0 / f32(1.0 + v)), f32(1.0 / rng), -32768, f32(2.0 / rng), 0)


# --- int16 LOGISTIC / TANH -----------------------------------------------------------------------

# TFLM's fixed table of sigmoid(i / 24) in unsigned Q0.16 (kernels/internal/common.h), shared by its
# int16 LOGISTIC and TANH (tanh(x) = 2 * sigmoid(2x) - 1). The entries are within 1 LSB of
# round(65536 * sigmoid(i / 24)) but follow no closed formula, so they are data here; the int16
# LOGISTIC and TANH tests check them against the interpreter over the whole int16 input range.
SIGMOID_TABLE_U16 = (
    32768, 33451, 34133, 34813, 35493, 36169, 36843, 37513, 38180, 38841, 39498, 40149, 40794, 41432,
    42064, 42688, 43304, 43912, 44511, 45102, 45683, 46255, 46817, 47369, 47911, 48443, 48964, 49475,
    49975, 50464, 50942, 51409, 51865, 52311, 52745, 53169, 53581, 53983, 54374, 54755, 55125, 55485,
    55834, 56174, 56503, 56823, 57133, 57433, 57724, 58007, 58280, 58544, 58800, 59048, 59288, 59519,
    59743, 59959, 60168, 60370, 60565, 60753, 60935, 61110, 61279, 61441, 61599, 61750, 61896, 62036,
    62172, 62302, 62428, 62549, 62666, 62778, 62886, 62990, 63090, 63186, 63279, 63368, 63454, 63536,
    63615, 63691, 63765, 63835, 63903, 63968, 64030, 64090, 64148, 64204, 64257, 64308, 64357, 64405,
    64450, 64494, 64536, 64576, 64614, 64652, 64687, 64721, 64754, 64786, 64816, 64845, 64873, 64900,
    64926, 64950, 64974, 64997, 65019, 65039, 65060, 65079, 65097, 65115, 65132, 65149, 65164, 65179,
    65194, 65208, 65221, 65234, 65246, 65258, 65269, 65280, 65291, 65301, 65310, 65319, 65328, 65337,
    65345, 65352, 65360, 65367, 65374, 65381, 65387, 65393, 65399, 65404, 65410, 65415, 65420, 65425,
    65429, 65433, 65438, 65442, 65445, 65449, 65453, 65456, 65459, 65462, 65465, 65468, 65471, 65474,
    65476, 65479, 65481, 65483, 65485, 65488, 65489, 65491, 65493, 65495, 65497, 65498, 65500, 65501,
    65503, 65504, 65505, 65507, 65508, 65509, 65510, 65511, 65512, 65513, 65514, 65515, 65516, 65517,
    65517, 65518, 65519, 65520, 65520, 65521, 65522, 65522, 65523, 65523, 65524, 65524, 65525, 65525,
    65526, 65526, 65526, 65527, 65527, 65528, 65528, 65528, 65529, 65529, 65529, 65529, 65530, 65530,
    65530, 65530, 65531, 65531, 65531, 65531, 65531, 65532, 65532, 65532, 65532, 65532, 65532, 65533,
    65533, 65533, 65533, 65533, 65533, 65533, 65533, 65534, 65534, 65534, 65534, 65534, 65534, 65534,
    65534, 65534, 65534, 65535,
)
assert len(SIGMOID_TABLE_U16) == 256
