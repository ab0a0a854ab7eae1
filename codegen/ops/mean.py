"""MEAN: int8, int16 (int16x8 models) and float32, over any subset of axes, keep_dims or not; and
the reduction geometry every reducing handler shares (reduce.py: REDUCE_MAX, REDUCE_MIN, SUM,
REDUCE_ALL).

Integer types follow TFLM's QuantizedMeanOrSum, which the installed TFLM uses even when input and
output quantisation are equal (older TFLM divided the raw sum with truncation there; measured: it
no longer does): QuantizeMultiplier(double(in_scale) / double(out_scale)), the multiplier divided
by n after a left shift of min(floor(log2 n), 32, 31 + shift), then MBQM(sum - in_zp * n) + out_zp,
clamped.

float32 sums in row-major order of the reduced axes and divides by float(n); its 4-D keep_dims H/W
special case adds in the same order, so one kernel covers both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from codegen.ir import DType, Operator, Subgraph, Tensor
from codegen.ops.base import CValue, KernelCall, LowerContext, Lowered, OpHandler, Struct
from codegen.ops.common import check_arity, require_const, require_quant
from codegen.ops.movement import (MAX_DIMS, axis_after, const_ints, fits_int32, merge_walk, padded, prod,
                                  row_major_strides)
from codegen.ops.registry import register
from codegen.quant.multiplier import quantize_multiplier


def reduction_axes(sg: Subgraph, op: Operator) -> list[int]:
    """The reduced axes (input 1), normalised and without duplicates, in TFLM's ResolveAxis order."""
    rank = len(sg.tensors[op.inputs[0]].shape)
    out: list[int] = []
    for a in const_ints(sg.tensors[op.inputs[1]]):
        a = a + rank if a < 0 else a
        if not 0 <= a < rank:
            raise ValueError(f"axis {a} out of range for rank {rank}")
        if a not in out:
            out.append(a)
    return out


def reduced_shape(inp: Tensor, axes: list[int], keep_dims: bool) -> tuple[int, ...]:
    if keep_dims:
        return tuple(1 if k in axes else d for k, d in enumerate(inp.shape))
    return tuple(d for k, d in enumerate(inp.shape) if k not in axes)


def check_reduction(sg: Subgraph, op: Operator, types: tuple[DType, ...], why: str = "") -> list[str]:
    """Every reason a reduction (input 0 data, input 1 constant int32 axes, output 0 of the input's
    type) over `types` cannot be generated; `why` completes the message for another type."""
    problems = check_arity(op, 2)
    if problems:
        return problems
    inp, axis_t, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    if inp.dtype not in types:
        names = ", ".join(d.name.lower() for d in types)
        return [f"type {inp.dtype.name.lower()} (supported: {names}{why})"]
    problems = require_const(axis_t, "axis")
    if axis_t.dtype != DType.INT32:
        problems.append(f"axis of type {axis_t.dtype.name.lower()} (TFLM requires int32)")
    if out.dtype != inp.dtype:
        problems.append(f"output type {out.dtype.name.lower()} differs from the input's")
    axes, problems = axis_after(problems, lambda: reduction_axes(sg, op))
    if axes is None:
        return problems
    if len(inp.shape) > MAX_DIMS:
        problems.append(f"input of rank {len(inp.shape)} (at most {MAX_DIMS})")
    if inp.elements == 0:
        problems.append("empty input")
    want = reduced_shape(inp, axes, bool(op.opt("keepDims", False)))
    if prod(want) != out.elements:
        problems.append(f"output {out.describe()} does not match the reduction to {list(want)}")
    return problems


@dataclass(frozen=True)
class ReduceWalk:
    """``mf_reduce_walk`` (nn.h): the kept dimensions as the output walk, the reduced ones as the
    inner walk (both merged where contiguous), and n, the number of elements per output."""

    out_count: tuple[int, ...]
    out_stride: tuple[int, ...]
    red_count: tuple[int, ...]
    red_stride: tuple[int, ...]
    n: int

    def fields(self) -> tuple[tuple[str, CValue], ...]:
        """The fields of ``mf_reduce_walk``, for a call whose params struct is the walk itself."""
        return (("out_rank", len(self.out_count)), ("out_count", padded(list(self.out_count), MAX_DIMS)),
                ("out_stride", padded(list(self.out_stride), MAX_DIMS)), ("red_rank", len(self.red_count)),
                ("red_count", padded(list(self.red_count), MAX_DIMS)),
                ("red_stride", padded(list(self.red_stride), MAX_DIMS)))

    def c_value(self) -> Struct:
        """An ``mf_reduce_walk`` member's value."""
        return Struct(self.fields())


def reduce_walk(inp: Tensor, axes: list[int]) -> ReduceWalk:
    strides = row_major_strides(inp.shape)
    keep = [k for k in range(len(inp.shape)) if k not in axes]
    red = sorted(axes)
    oc, os_ = merge_walk([inp.shape[k] for k in keep], [strides[k] for k in keep])
    rc, rs = merge_walk([inp.shape[k] for k in red], [strides[k] for k in red])
    if not oc:
        oc, os_ = [1], [0]
    return ReduceWalk(tuple(oc), tuple(os_), tuple(rc), tuple(rs), prod(inp.shape[k] for k in red))


def mean_scaling(in_scale: float, out_scale: float, n: int) -> tuple[int, int]:
    """QuantizedMeanOrSum's multiplier and shift, 1/n folded in."""
    mult, shift = quantize_multiplier(in_scale / out_scale)
    s = min(n.bit_length() - 1, 32, 31 + shift)
    return (mult << s) // n, shift - s


def check(sg: Subgraph, op: Operator) -> list[str]:
    problems = check_reduction(sg, op, tuple(_LOWER))
    if problems:
        return problems
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype != DType.FLOAT32:
        problems += require_quant(inp, out)
        n = prod(inp.shape[a] for a in reduction_axes(sg, op))
        if inp.quant is not None and not fits_int32(inp.quant.zp * n):
            problems.append("too many elements per mean for 32-bit sums")
    return problems


def _quant_params(inp: Tensor, out: Tensor, n: int) -> tuple:
    assert inp.quant is not None and out.quant is not None
    mult, shift = mean_scaling(inp.quant.s, out.quant.s, n)
    return (("mult", mult), ("shift", shift), ("zp_times_n", inp.quant.zp * n), ("output_offset", out.quant.zp))


def _float_params(inp: Tensor, out: Tensor, n: int) -> tuple:
    return (("mult", 0), ("shift", 0), ("zp_times_n", 0), ("output_offset", 0))


_LOWER: dict[DType, tuple[str, Callable[[Tensor, Tensor, int], tuple]]] = {
    DType.INT8: ("mf_mean_s8", _quant_params),
    DType.INT16: ("mf_mean_s16", _quant_params),
    DType.FLOAT32: ("mf_mean_f32", _float_params),
}


def lower(ctx: LowerContext) -> Lowered:
    sg, op = ctx.subgraph, ctx.op
    inp, out = ctx.t(op.inputs[0]), ctx.output()
    axes = reduction_axes(sg, op)
    walk = reduce_walk(inp, axes)
    function, quant = _LOWER[inp.dtype]
    call = KernelCall(function=function, params_type="mf_mean_params",
                      params=(("walk", walk.c_value()), ("n", walk.n)) + quant(inp, out, walk.n),
                      inputs=(op.inputs[0],), outputs=(op.outputs[0],),
                      comment=f"axes {axes}, {walk.n} per mean")
    return Lowered(calls=(call,))


def macs(sg: Subgraph, op: Operator) -> int:
    return sg.tensors[op.inputs[0]].elements


register(OpHandler(opcode="MEAN", check=check, lower=lower, macs=macs, types=tuple(_LOWER)))
