"""EQUAL, NOT_EQUAL, GREATER, GREATER_EQUAL, LESS, LESS_EQUAL with numpy broadcasting; bool outputs.

Types as TFLM's comparisons.cc: float32, int32, int64 and int8 for all six, bool for EQUAL and
NOT_EQUAL. float32, int32, int64 and bool compare raw values (``mf_compare_<type>``); int8 compares
TFLM's rescaled values (each input brought to Q(8) of its real value by its own scale and zero point,
so operands quantised differently compare by real value, ``mf_compare_s8``). TFLM's GREATER also
lists int16, but its Prepare never computes the int16 rescaling it then applies: the result depends
on uninitialised memory, so int16 is refused with that reason.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from codegen.ir import DType, Operator, Quant, Subgraph
from codegen.ops import pairwise
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.common import check_arity
from codegen.ops.registry import register
from codegen.quant.multiplier import quantize_multiplier_smaller_than_one_exp

LEFT_SHIFT = 8  # TFLM ComparisonsPrepare's kLeftShift

# nn.h MF_CMP_*, and numpy's exact equivalent for folding
COMPARISONS: dict[str, tuple[int, Callable[[np.ndarray, np.ndarray], np.ndarray]]] = {
    "EQUAL": (0, np.equal), "NOT_EQUAL": (1, np.not_equal), "GREATER": (2, np.greater),
    "GREATER_EQUAL": (3, np.greater_equal), "LESS": (4, np.less), "LESS_EQUAL": (5, np.less_equal)}

RAW_TYPES = (DType.FLOAT32, DType.INT32, DType.INT64)
REFUSED = {DType.INT16: "TFLM's comparison kernels do not rescale int16 (its GREATER reads rescaling "
                        "parameters its Prepare never sets)",
           DType.UINT8: "TFLM's comparison kernels do not take uint8"}


def input_scaling(q: Quant) -> tuple[int, int]:
    """TFLM ComparisonsPrepare: QuantizeMultiplierSmallerThanOneExp(double(scale))."""
    return quantize_multiplier_smaller_than_one_exp(q.s)


def _types(opcode: str) -> tuple[DType, ...]:
    extra = (DType.BOOL,) if opcode in ("EQUAL", "NOT_EQUAL") else ()
    return (DType.INT8,) + RAW_TYPES + extra


def _check(opcode: str) -> Callable[[Subgraph, Operator], list[str]]:
    types = _types(opcode)

    def check(sg: Subgraph, op: Operator) -> list[str]:
        problems = check_arity(op)
        if problems:
            return problems
        in1, in2, out = pairwise.operands(sg, op)
        if in1.dtype in REFUSED:
            return [f"type {in1.dtype.name.lower()}: {REFUSED[in1.dtype]}"]
        if in1.dtype not in types:
            return [f"type {in1.dtype.name.lower()} (supported: {pairwise.names(types)})"]
        if in2.dtype != in1.dtype:
            problems.append(f"mixed input types {in1.dtype.name.lower()} and {in2.dtype.name.lower()}")
        if out.dtype != DType.BOOL:
            problems.append(f"output type {out.dtype.name.lower()} (TFLM writes bool)")
        problems += pairwise.check_shapes(in1, in2, out)
        if in1.dtype == DType.INT8 and not problems:
            problems += pairwise.check_quant(in1, in2)
            for t in (in1, in2):
                if t.quant is not None and not 0.0 < t.quant.s < 1.0:
                    problems.append(f"tensor {t.name!r} has scale {t.quant.s} (TFLM's int8 comparison "
                                    "requires a scale in (0, 1))")
        return problems
    return check


def _lower_raw(ctx: LowerContext) -> Lowered:
    inp = ctx.input(0)
    assert inp is not None
    params = (("bc", pairwise.plan(ctx).c_value()), ("cmp", COMPARISONS[ctx.op.opcode][0]))
    return pairwise.call(ctx, f"mf_compare_{inp.dtype.short}", "mf_compare_params", params)


def _lower_s8(ctx: LowerContext) -> Lowered:
    in1, in2 = ctx.input(0), ctx.input(1)
    assert in1 is not None and in2 is not None and in1.quant is not None and in2.quant is not None
    m1, s1 = input_scaling(in1.quant)
    m2, s2 = input_scaling(in2.quant)
    params = (("bc", pairwise.plan(ctx).c_value()), ("cmp", COMPARISONS[ctx.op.opcode][0]),
              ("left_shift", LEFT_SHIFT), ("input1_offset", -in1.quant.zp), ("input1_multiplier", m1),
              ("input1_shift", s1), ("input2_offset", -in2.quant.zp), ("input2_multiplier", m2),
              ("input2_shift", s2))
    return pairwise.call(ctx, "mf_compare_s8", "mf_compare_s8_params", params)


def rescaled_s8(x: np.ndarray, q: Quant) -> np.ndarray:
    """TFLM's rescaled int8 comparison operand (for folding)."""
    from codegen.quant.multiplier import rounding_divide_by_pot, saturating_rounding_doubling_high_mul
    m, s = input_scaling(q)
    flat = [rounding_divide_by_pot(saturating_rounding_doubling_high_mul((int(v) - q.zp) << LEFT_SHIFT, m), -s)
            for v in x.reshape(-1)]
    return np.array(flat, dtype=np.int64).reshape(x.shape)


def _fold(opcode: str):
    fn = COMPARISONS[opcode][1]

    def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
        in1, in2, out = pairwise.operands(sg, op)
        a, b = np.asarray(values[0]), np.asarray(values[1])
        if in1.dtype == DType.INT8:
            a, b = rescaled_s8(a, in1.quant), rescaled_s8(b, in2.quant)
        return [np.asarray(fn(a, b)).reshape(out.shape)]
    return fold


for _opcode in COMPARISONS:
    _table = {t: (_lower_s8 if t == DType.INT8 else _lower_raw) for t in _types(_opcode)}
    register(OpHandler(opcode=_opcode, check=_check(_opcode), lower=pairwise.dispatch(_table),
                       fold=_fold(_opcode), types=tuple(_table)))
