"""ADD, SUB, MUL, MAXIMUM, MINIMUM: int8, int16 and float32, with numpy broadcasting up to 6-D.

Quantised ADD/SUB follow TFLM's general rescaling (both inputs brought to twice the larger input
scale with a left shift of 20 for int8 and 15 for int16; TFLM's int16 ADD uses this general path
too, whatever the zero points); SUB is the same with a difference. MUL is one MBQM of the offset product. MAXIMUM/MINIMUM
compare raw values as TFLM does.

int8 ADD/SUB for a DSP target (firmware/kernels/dsp/mf_add_s8.c): each rescaled input term depends on
one int8 value, so :func:`add_tables` evaluates TFLM's arithmetic for all 256 values of each input
(doubled, the second negated for SUB), and the output rescaling of their sum takes the single-SMMULR
requantisation of :func:`codegen.ops.dsp_pack.requant_records` when it is provably exact, else
TFLM's MBQM. 2 KB of tables per operator; the reference kernel keeps TFLM's arithmetic (it is the
oracle and needs no tables).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Quant, Subgraph, Tensor
from codegen.ops import broadcast, dsp_pack
from codegen.ops.base import F32, NULL, CArray, KernelCall, LowerContext, Lowered, OpHandler, Sym
from codegen.ops.common import (act_bounds, act_bounds_float, check_arity, check_fused, fused_activation,
                                require_quant)
from codegen.ops.registry import register
from codegen.quant.multiplier import (quantize_multiplier, rounding_divide_by_pot,
                                      saturating_rounding_doubling_high_mul)

TYPES = (DType.INT8, DType.INT16, DType.FLOAT32)
ARITH_TYPES = TYPES + (DType.INT32,)  # ADD, SUB, MUL
MINMAX_TYPES = TYPES + (DType.INT32, DType.INT64)


@dataclass(frozen=True)
class AddScaling:
    """TFLM's ADD/SUB rescaling: (multiplier, shift) for each input and the output, shifts <= 0."""

    left_shift: int
    input1: tuple[int, int]
    input2: tuple[int, int]
    output: tuple[int, int]


def _smaller_than_one(m: float, what: str) -> tuple[int, int]:
    if not 0.0 < m < 1.0:
        raise ValueError(f"{what} multiplier {m!r} is outside (0, 1)")
    q, shift = quantize_multiplier(m)
    if shift > 0:
        raise ValueError(f"{what} multiplier {m!r} gave a positive shift")
    return q, shift


def add_scaling(in1: Quant, in2: Quant, out: Quant, dtype: DType) -> AddScaling:
    """TFLM CalculateOpDataAdd / CalculateOpDataSub (double arithmetic: the installed TFLM computes SUB's
    ratios in double too, although some TFLM sources take them in float32; the int16 SUB tests tell)."""
    left_shift = 15 if dtype == DType.INT16 else 20
    twice = 2.0 * max(in1.s, in2.s)
    return AddScaling(left_shift, _smaller_than_one(in1.s / twice, "input 1"),
                      _smaller_than_one(in2.s / twice, "input 2"),
                      _smaller_than_one(twice / ((1 << left_shift) * out.s), "output"))


def add_input_term(x: int, offset: int, left_shift: int, mult: int, shift: int) -> int:
    """One input's rescaled term in TFLM's int8/int16 ADD: MBQM_smaller_than_one((x + offset) << left_shift)."""
    return rounding_divide_by_pot(saturating_rounding_doubling_high_mul((x + offset) * (1 << left_shift), mult), -shift)


@dataclass(frozen=True)
class AddTables:
    """The dsp int8 ADD/SUB kernel's data (nn.h, mf_add_q_params): `table` int32 [512], 2 * term1(x) at
    x + 128 and +-2 * term2(x) at 256 + x + 128 (x in [-128, 127]); the output rescaling of
    X = table[..] + table[..] (twice TFLM's raw sum) as one dsp_chan record with bias 0."""

    table: np.ndarray
    requant: dsp_pack.Requant


def add_tables(in1: Quant, in2: Quant, out: Quant, subtract: bool, act_min: int, act_max: int) -> AddTables:
    sc = add_scaling(in1, in2, out, DType.INT8)
    xs = range(-128, 128)
    t1 = [add_input_term(x, -in1.zp, sc.left_shift, *sc.input1) for x in xs]
    t2 = [add_input_term(x, -in2.zp, sc.left_shift, *sc.input2) for x in xs]
    if subtract:
        t2 = [-v for v in t2]
    bound = max(map(abs, t1)) + max(map(abs, t2))  # |raw sum|, at most 2^29: X stays within 32 bits
    rq = dsp_pack.requant_records(np.zeros(1, dtype=np.int64), [sc.output[0]], [sc.output[1]],
                                  np.array([bound], dtype=np.int64), out.zp, act_min, act_max)
    return AddTables(np.array(t1 + t2, dtype=np.int64) * 2, rq)


def mul_scaling(in1: Quant, in2: Quant, out: Quant) -> tuple[int, int]:
    """TFLM CalculateOpDataMul: double(s1) * double(s2) / double(s_out)."""
    return quantize_multiplier(in1.s * in2.s / out.s)


# --- checks ----------------------------------------------------------------------------------

def _operands(sg: Subgraph, op: Operator) -> tuple[Tensor, Tensor, Tensor]:
    return sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]


def _check_common(sg: Subgraph, op: Operator, types: tuple[DType, ...] = ARITH_TYPES) -> list[str]:
    problems = check_arity(op, 2)
    if problems:
        return problems
    in1, in2, out = _operands(sg, op)
    if in1.dtype not in types:
        return [f"type {in1.dtype.name.lower()} (supported: {', '.join(t.name.lower() for t in types)})"]
    problems = []
    if in2.dtype != in1.dtype or out.dtype != in1.dtype:
        problems.append(f"mixed types {in1.dtype.name.lower()}, {in2.dtype.name.lower()} -> "
                        f"{out.dtype.name.lower()}")
    problems += broadcast.check_binary_shapes(in1, in2, out)
    if in1.dtype in (DType.INT32, DType.INT64):
        problems += [f"tensor {t.name!r} is quantised (TFLM's {t.dtype.name.lower()} kernels take plain integers)"
                     for t in (in1, in2) if t.quant is not None and (t.quant.s != 0.0 or t.quant.zp != 0)
                     and op.opcode in ("ADD", "SUB")]
    elif in1.dtype != DType.FLOAT32:
        problems += require_quant(in1, in2, out)
        for t in (in1, in2, out):
            if t.quant is not None and t.quant.per_channel:
                problems.append(f"tensor {t.name!r} is quantised per channel")
    return problems


def _quantised(sg: Subgraph, op: Operator) -> bool:
    in1, in2, out = _operands(sg, op)
    return in1.dtype in (DType.INT8, DType.INT16) and all(t.quant is not None for t in (in1, in2, out))


def check_add(sg: Subgraph, op: Operator) -> list[str]:
    problems = _check_common(sg, op) + check_fused(op)
    if not problems and _quantised(sg, op):
        in1, in2, out = _operands(sg, op)
        try:
            add_scaling(in1.quant, in2.quant, out.quant, out.dtype)
        except ValueError as e:
            problems.append(str(e))
    return problems


def check_mul(sg: Subgraph, op: Operator) -> list[str]:
    problems = _check_common(sg, op) + check_fused(op)
    if not problems and _quantised(sg, op):
        in1, in2, out = _operands(sg, op)
        if out.dtype == DType.INT16 and any(t.quant.zp != 0 for t in (in1, in2, out)):
            problems.append("int16 MUL with non-zero zero points (TFLM requires 0)")
    return problems


def check_minmax(sg: Subgraph, op: Operator) -> list[str]:
    return _check_common(sg, op, MINMAX_TYPES)


# --- lowering ----------------------------------------------------------------------------------

def _plan(ctx: LowerContext) -> broadcast.Broadcast:
    in1, in2, out = ctx.input(0), ctx.input(1), ctx.output()
    assert in1 is not None and in2 is not None
    return broadcast.plan(in1.shape, in2.shape, out.shape)


def _call(ctx: LowerContext, function: str, params_type: str, params: tuple, comment: str = "",
          arrays: tuple[CArray, ...] = ()) -> Lowered:
    op, out = ctx.op, ctx.output()
    # an input with the output's shape may share the output's bytes: element i is read before it is written
    inplace = tuple((op.outputs[0], i) for i in dict.fromkeys(op.inputs)
                    if ctx.t(i).shape == out.shape and ctx.t(i).dtype == out.dtype and not ctx.t(i).is_const)
    call = KernelCall(function=function, params_type=params_type, params=params, inputs=tuple(op.inputs[:2]),
                      outputs=(op.outputs[0],), arrays=arrays, comment=comment, inplace=inplace)
    return Lowered(calls=(call,))


def _shapes_comment(ctx: LowerContext) -> str:
    in1, in2 = ctx.input(0), ctx.input(1)
    assert in1 is not None and in2 is not None
    return "" if in1.shape == in2.shape else f"broadcast {list(in1.shape)} x {list(in2.shape)}"


def _lower_add_q(ctx: LowerContext) -> Lowered:
    in1, in2, out = ctx.input(0), ctx.input(1), ctx.output()
    assert in1 and in2 and in1.quant and in2.quant and out.quant
    subtract = ctx.op.opcode == "SUB"
    sc = add_scaling(in1.quant, in2.quant, out.quant, out.dtype)
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    params = (("bc", _plan(ctx).c_value()), ("input1_offset", -in1.quant.zp), ("input2_offset", -in2.quant.zp),
              ("output_offset", out.quant.zp), ("left_shift", sc.left_shift),
              ("input1_multiplier", sc.input1[0]), ("input1_shift", sc.input1[1]),
              ("input2_multiplier", sc.input2[0]), ("input2_shift", sc.input2[1]),
              ("output_multiplier", sc.output[0]), ("output_shift", sc.output[1]),
              ("act_min", act_min), ("act_max", act_max), ("subtract", int(subtract)))
    arrays: tuple[CArray, ...] = ()
    if ctx.target.dsp and not ctx.target.mve and out.dtype == DType.INT8:  # the mve kernel reads the plain fields
        tables = add_tables(in1.quant, in2.quant, out.quant, subtract, act_min, act_max)
        table = ctx.array("dsp_table", "int32_t", tables.table)
        arrays = (table,)
        params += (("dsp_table", Sym(table.name)), ("dsp_requant", tables.requant.mode),
                   ("dsp_rq", tuple(int(v) for v in tables.requant.records)))
    else:  # the reference kernel's params (and int16's): no dsp table
        params += (("dsp_table", NULL), ("dsp_requant", 0), ("dsp_rq", (0, 0, 0, 0)))
    return _call(ctx, f"mf_add_{out.dtype.short}", "mf_add_q_params", params, _shapes_comment(ctx), arrays)


def _offset_span(offset: int) -> int:
    """max |x + offset| over int8 x."""
    return max(abs(-128 + offset), abs(127 + offset))


def _lower_mul_q(ctx: LowerContext) -> Lowered:
    in1, in2, out = ctx.input(0), ctx.input(1), ctx.output()
    assert in1 and in2 and in1.quant and in2.quant and out.quant
    mult, shift = mul_scaling(in1.quant, in2.quant, out.quant)
    act_min, act_max = act_bounds(fused_activation(ctx.op), out)
    params = (("bc", _plan(ctx).c_value()), ("input1_offset", -in1.quant.zp), ("input2_offset", -in2.quant.zp),
              ("output_offset", out.quant.zp), ("output_multiplier", mult), ("output_shift", shift),
              ("act_min", act_min), ("act_max", act_max))
    dsp_requant, dsp_rq = 0, (0, 0, 0, 0)  # the reference kernels' (and int16's): no fast rescaling
    if ctx.target.dsp and out.dtype == DType.INT8:
        # the rescaling of every product the offsets allow, (a + o1)(b + o2) with a, b in [-128, 127]
        bound = np.array([_offset_span(-in1.quant.zp) * _offset_span(-in2.quant.zp)])
        rq = dsp_pack.requant_records(np.zeros(1, dtype=np.int64), [mult], [shift], bound, out.quant.zp,
                                      act_min, act_max)
        dsp_requant, dsp_rq = rq.mode, tuple(int(v) for v in rq.records)
    params += (("dsp_requant", dsp_requant), ("dsp_rq", dsp_rq))
    return _call(ctx, f"mf_mul_{out.dtype.short}", "mf_mul_q_params", params, _shapes_comment(ctx))


def _lower_arith_f32(function: str) -> Callable[[LowerContext], Lowered]:
    def lower(ctx: LowerContext) -> Lowered:
        lo, hi = act_bounds_float(fused_activation(ctx.op))
        params = (("bc", _plan(ctx).c_value()), ("act_min", F32(lo)), ("act_max", F32(hi)),
                  ("subtract", int(ctx.op.opcode == "SUB")))
        return _call(ctx, function, "mf_arith_f32_params", params, _shapes_comment(ctx))
    return lower


def _lower_minmax(name: str) -> Callable[[LowerContext], Lowered]:
    def lower(ctx: LowerContext) -> Lowered:
        out = ctx.output()
        return _call(ctx, f"mf_{name}_{out.dtype.short}", "mf_broadcast", _plan(ctx).c_fields(),
                     _shapes_comment(ctx))
    return lower


def _lower_s32(clamped: bool) -> Callable[[LowerContext], Lowered]:
    """int32 ADD (TFLM never clamps it), SUB and MUL (fused activation, int32 bounds), MAXIMUM and
    MINIMUM by the generic int32 kernel; int64 MAXIMUM and MINIMUM by the int64 one."""
    from codegen.ops import arith

    def lower(ctx: LowerContext) -> Lowered:
        bounds = arith.int32_act_bounds(fused_activation(ctx.op)) if clamped else arith.int32_act_bounds("NONE")
        return arith.lower_s32(ctx, bounds)
    return lower


def _lower_s64(ctx: LowerContext) -> Lowered:
    from codegen.ops import arith
    return _call(ctx, "mf_binary_s64", "mf_binary_s64_params",
                 (("bc", _plan(ctx).c_value()), ("fn", arith.BIN[ctx.op.opcode])), _shapes_comment(ctx))


ADD_LOWER: dict[DType, Callable[[LowerContext], Lowered]] = {
    DType.INT8: _lower_add_q, DType.INT16: _lower_add_q, DType.FLOAT32: _lower_arith_f32("mf_add_f32"),
    DType.INT32: _lower_s32(False)}
SUB_LOWER: dict[DType, Callable[[LowerContext], Lowered]] = {**ADD_LOWER, DType.INT32: _lower_s32(True)}
MUL_LOWER: dict[DType, Callable[[LowerContext], Lowered]] = {
    DType.INT8: _lower_mul_q, DType.INT16: _lower_mul_q, DType.FLOAT32: _lower_arith_f32("mf_mul_f32"),
    DType.INT32: _lower_s32(True)}


def _dispatch(table: dict[DType, Callable[[LowerContext], Lowered]]) -> Callable[[LowerContext], Lowered]:
    return lambda ctx: table[ctx.output().dtype](ctx)


def _elements(sg: Subgraph, op: Operator) -> int:
    return sg.tensors[op.outputs[0]].elements


register(OpHandler(opcode="ADD", check=check_add, lower=_dispatch(ADD_LOWER), types=ARITH_TYPES))
register(OpHandler(opcode="SUB", check=check_add, lower=_dispatch(SUB_LOWER), types=ARITH_TYPES))
register(OpHandler(opcode="MUL", check=check_mul, lower=_dispatch(MUL_LOWER), macs=_elements, types=ARITH_TYPES))
for _name in ("maximum", "minimum"):
    register(OpHandler(opcode=_name.upper(), check=check_minmax, types=MINMAX_TYPES, lower=_dispatch(
        {**{t: _lower_minmax(_name) for t in TYPES}, DType.INT32: _lower_s32(False), DType.INT64: _lower_s64})))
