"""RESIZE_NEAREST_NEIGHBOR (float32, int8, int16) and RESIZE_BILINEAR (float32, int8): TFLM's types,
align_corners and half_pixel_centers, a constant int32 size as TFLM requires; all coordinate
arithmetic at build time.

Nearest neighbour is an index-map gather (``mf_index_gather``) with TFLM's GetNearestNeighbor computed
in float32 (round half away with align_corners, floor otherwise, clamped). Bilinear keeps TFLM's two
paths: float32 with the per-row/column float weights TFLM computes (1 - (y - y0), y - y0) and its
product order; int8 with TFLM's 10-bit fixed-point coordinates (scale_10 rounded, truncating
divisions), 64-bit weighted sums and the division by 2^20 rounding half away from zero. TFLM refuses
half_pixel_centers with align_corners for bilinear, and int16 bilinear.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler, Sym
from codegen.ops.common import require_const
from codegen.ops.index_gather import index_gather_call, index_gather_numpy
from codegen.ops.movement import check_movable, const_ints
from codegen.ops.registry import register

F = np.float32
NN_TYPES = (DType.FLOAT32, DType.INT8, DType.INT16)
BILINEAR_TYPES = (DType.FLOAT32, DType.INT8)


def _flags(op: Operator) -> tuple[bool, bool]:
    return bool(op.opt("alignCorners", False)), bool(op.opt("halfPixelCenters", False))


def nearest(out_size: int, in_size: int, align: bool, half: bool) -> list[int]:
    """TFLM's GetNearestNeighbor for every output position, in float32."""
    scale = F(in_size - 1) / F(out_size - 1) if align and out_size > 1 else F(in_size) / F(out_size)
    offset = F(0.5) if half else F(0.0)
    out = []
    for v in range(out_size):
        x = F(F(v) + offset) * F(scale)
        k = int(math.floor(abs(float(x)) + 0.5)) * (1 if x >= 0 else -1) if align else int(math.floor(float(x)))
        k = min(k, in_size - 1)
        out.append(max(0, k) if half else k)
    return out


@dataclass(frozen=True)
class Axis:
    """Bilinear interpolation along one axis: per output position the two input positions and
    their weights (float32, or the int8 path's 10-bit integers)."""

    lo: tuple[int, ...]
    hi: tuple[int, ...]
    w_lo: tuple
    w_hi: tuple


def bilinear_axis_float(out_size: int, in_size: int, align: bool, half: bool) -> Axis:
    """TFLM's ComputeInterpolationValues in float32 and the factors (1 - (v - lo)) and (v - lo)."""
    scale = F(in_size) / F(out_size)
    if align and out_size > 1:
        scale = F(in_size - 1) / F(out_size - 1)
    lo, hi, wl, wh = [], [], [], []
    for v in range(out_size):
        s = F(F(F(v) + F(0.5)) * scale) - F(0.5) if half else F(F(v) * scale)
        a = max(int(math.floor(float(s))), 0)
        b = min(int(math.ceil(float(s))), in_size - 1)
        d = F(s - F(a))
        lo.append(a)
        hi.append(b)
        wl.append(float(F(F(1.0) - d)))
        wh.append(float(d))
    return Axis(tuple(lo), tuple(hi), tuple(wl), tuple(wh))


def _cdiv(a: int, b: int) -> int:
    """C integer division (truncates toward zero)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b >= 0) else -q


def bilinear_axis_int(out_size: int, in_size: int, align: bool, half: bool) -> Axis:
    """TFLM's ResizeBilinearInteger coordinates: scale_10 and ComputeInterpolationValuesInteger."""
    scale = ((1 << 10) * in_size + out_size // 2) // out_size
    if align and out_size > 1:
        scale = ((1 << 10) * (in_size - 1) + (out_size - 1) // 2) // (out_size - 1)
    lo, hi, wl, wh = [], [], [], []
    for v in range(out_size):
        s = v * scale + scale // 2 - (1 << 9) if half else v * scale
        a = max(_cdiv(s, 1 << 10), 0)
        b = min(_cdiv(s + (1 << 10) - 1, 1 << 10), in_size - 1)
        lo.append(a)
        hi.append(b)
        wh.append(s - (1 << 10) * a)
        wl.append((1 << 10) - (s - (1 << 10) * a))
    return Axis(tuple(lo), tuple(hi), tuple(wl), tuple(wh))


_AXIS = {DType.FLOAT32: bilinear_axis_float, DType.INT8: bilinear_axis_int}


def _size(sg: Subgraph, op: Operator) -> tuple[int, int]:
    h, w = const_ints(sg.tensors[op.inputs[1]])
    return h, w


def _axes(sg: Subgraph, op: Operator) -> tuple[Axis, Axis]:
    inp = sg.tensors[op.inputs[0]]
    (oh, ow), (align, half) = _size(sg, op), _flags(op)
    make = _AXIS[inp.dtype]
    return make(oh, inp.shape[1], align, half), make(ow, inp.shape[2], align, half)


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, size, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    types = NN_TYPES if op.opcode == "RESIZE_NEAREST_NEIGHBOR" else BILINEAR_TYPES
    if inp.dtype not in types:
        return [f"type {inp.dtype.name.lower()} (TFLM's {op.opcode} takes "
                + ", ".join(t.name.lower() for t in types) + ")"]
    problems = check_movable(sg, op, [inp, out]) + require_const(size, "size")
    if size.dtype != DType.INT32 or size.shape != (2,):
        problems.append(f"size {size.describe()} (TFLM requires two int32 values)")
    if len(inp.shape) != 4 or len(out.shape) != 4:
        problems.append(f"{inp.describe()} -> {out.describe()} (TFLM requires rank 4)")
    if problems:
        return problems
    oh, ow = _size(sg, op)
    if min(oh, ow) < 1 or out.shape != (inp.shape[0], oh, ow, inp.shape[3]):
        problems.append(f"output {out.describe()} does not match the size {[oh, ow]}")
    align, half = _flags(op)
    if op.opcode == "RESIZE_BILINEAR" and align and half:
        problems.append("half_pixel_centers with align_corners (TFLM's RESIZE_BILINEAR refuses it)")
    if inp.quant and out.quant and (inp.quant.s, inp.quant.zp) != (out.quant.s, out.quant.zp):
        problems.append("output quantised differently from the input (TFLM does not requantise)")
    if not problems and op.opcode == "RESIZE_BILINEAR":
        for a, n in zip(_axes(sg, op), inp.shape[1:3]):
            if max(a.lo + a.hi) >= n:
                problems.append("the integer coordinates reach past the input (TFLM would read outside it)")
                break
    return problems


# --- nearest neighbour ---------------------------------------------------------------------------

def _nn_maps(sg: Subgraph, op: Operator) -> list[list[int]]:
    inp = sg.tensors[op.inputs[0]]
    (oh, ow), (align, half) = _size(sg, op), _flags(op)
    return [list(range(inp.shape[0])), nearest(oh, inp.shape[1], align, half), nearest(ow, inp.shape[2], align, half),
            list(range(inp.shape[3]))]


def _label(ctx: LowerContext) -> str:
    align, half = _flags(ctx.op)
    inp, out = ctx.t(ctx.op.inputs[0]), ctx.output()
    flags = (" align_corners" if align else "") + (" half_pixel_centers" if half else "")
    return f"{inp.shape[1]}x{inp.shape[2]} -> {out.shape[1]}x{out.shape[2]}{flags}"


def lower_nn(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[0])
    return Lowered(calls=(index_gather_call(ctx, inp.shape, _nn_maps(ctx.subgraph, ctx.op), inp.dtype.size,
                                            _label(ctx)),))


def fold_nn(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    return [index_gather_numpy(np.asarray(values[0]), _nn_maps(sg, op))]


# --- bilinear --------------------------------------------------------------------------------------

_WEIGHT_CTYPE = {DType.FLOAT32: "float", DType.INT8: "int32_t"}


def lower_bilinear(ctx: LowerContext) -> Lowered:
    inp, out = ctx.t(ctx.op.inputs[0]), ctx.output()
    ay, ax = _axes(ctx.subgraph, ctx.op)
    wtype = _WEIGHT_CTYPE[inp.dtype]
    wnp = np.float32 if wtype == "float" else np.int64
    arrays = (ctx.array("y_index", "int32_t", np.array([ay.lo, ay.hi], dtype=np.int64).T),
              ctx.array("x_index", "int32_t", np.array([ax.lo, ax.hi], dtype=np.int64).T),
              ctx.array("y_weight", wtype, np.array([ay.w_lo, ay.w_hi]).T.astype(wnp)),
              ctx.array("x_weight", wtype, np.array([ax.w_lo, ax.w_hi]).T.astype(wnp)))
    params = (("batches", inp.shape[0]), ("in_h", inp.shape[1]), ("in_w", inp.shape[2]), ("depth", inp.shape[3]),
              ("out_h", out.shape[1]), ("out_w", out.shape[2])) + \
        tuple((n, Sym(a.name)) for n, a in zip(("y_index", "x_index", "y_weight", "x_weight"), arrays))
    function = f"mf_resize_bilinear_{inp.dtype.short}"
    call = KernelCall(function=function, params_type=f"{function}_params", params=params,
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],), arrays=arrays, comment=_label(ctx))
    return Lowered(calls=(call,))


def macs(sg: Subgraph, op: Operator) -> int:
    return 4 * sg.tensors[op.outputs[0]].elements


register(OpHandler(opcode="RESIZE_NEAREST_NEIGHBOR", check=check, lower=lower_nn, fold=fold_nn, types=NN_TYPES))
register(OpHandler(opcode="RESIZE_BILINEAR", check=check, lower=lower_bilinear, macs=macs, types=BILINEAR_TYPES))
