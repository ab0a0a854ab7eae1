"""PAD and PADV2 (constant mode): int8, int16, int32, float32 (generic ``mf_pad``), and numpy folding.

Pad value as TFLM: PAD uses the output zero point for int8 and 0 otherwise (int16 included); PADV2
uses its constant's stored value (int8: TFLM requires the constant's quantisation to equal the
output's). Values are copied, never requantised (TFLM does not requantise either).
"""

from __future__ import annotations

import struct

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import require_const, require_quant
from codegen.ops.movement import MAX_DIMS, check_movable, const_ints, padded
from codegen.ops.registry import register

TYPES = (DType.INT8, DType.INT16, DType.INT32, DType.FLOAT32)


def _paddings(sg: Subgraph, op: Operator) -> list[tuple[int, int]]:
    v = const_ints(sg.tensors[op.inputs[1]])
    return [(v[2 * k], v[2 * k + 1]) for k in range(len(v) // 2)]


def _constant(sg: Subgraph, op: Operator):
    """The pad element's value (stored representation)."""
    out = sg.tensors[op.outputs[0]]
    if len(op.inputs) > 2 and op.inputs[2] >= 0:
        return np.asarray(sg.tensors[op.inputs[2]].data).reshape(-1)[0]
    if out.dtype == DType.INT8 and out.quant is not None:
        return out.dtype.np.type(out.quant.zp)
    return out.dtype.np.type(0)


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, pads, out = sg.tensors[op.inputs[0]], sg.tensors[op.inputs[1]], sg.tensors[op.outputs[0]]
    problems = check_movable(sg, op, [inp, out])
    if not problems and inp.dtype not in TYPES:
        problems.append(f"type {inp.dtype.name.lower()} (supported: int8, int16, int32, float32)")
    problems += require_const(pads, "paddings")
    if pads.dtype != DType.INT32:
        problems.append(f"paddings of type {pads.dtype.name.lower()} (TFLM reads int32)")
    cst = sg.tensors[op.inputs[2]] if len(op.inputs) > 2 and op.inputs[2] >= 0 else None
    if cst is not None:
        problems += require_const(cst, "constant value")
        if cst.dtype != inp.dtype:
            problems.append(f"constant of type {cst.dtype.name.lower()} for {inp.dtype.name.lower()} data")
        elif cst.elements != 1:
            problems.append(f"constant value with {cst.elements} elements (expected a scalar)")
        elif inp.dtype == DType.INT8 and (cst.quant is None or out.quant is None or
                                          (cst.quant.s, cst.quant.zp) != (out.quant.s, out.quant.zp)):
            problems.append("int8 constant value quantised differently from the output")
    if inp.dtype == DType.INT8:
        problems += require_quant(out)
    if problems:
        return problems
    p = _paddings(sg, op)
    rank = len(inp.shape)
    if len(p) != rank or len(out.shape) != rank:
        problems.append(f"{len(p)} padding pairs for rank {rank}")
    elif rank > MAX_DIMS:
        problems.append(f"rank {rank} (at most {MAX_DIMS})")
    elif any(a < 0 or b < 0 for a, b in p):
        problems.append(f"negative paddings {p}")
    elif tuple(d + a + b for d, (a, b) in zip(inp.shape, p)) != out.shape:
        problems.append(f"output shape {list(out.shape)} does not match the paddings {p}")
    return problems


def _bits(value, dtype: DType) -> int:
    if dtype == DType.FLOAT32:
        return struct.unpack("<I", struct.pack("<f", float(value)))[0]
    return int(value) & 0xFFFFFFFF


def lower(ctx: LowerContext) -> Lowered:
    sg, op = ctx.subgraph, ctx.op
    inp = ctx.t(op.inputs[0])
    pads = _paddings(sg, op)
    # drop unpadded size-1 axes; merge an axis into its outer neighbour when it is not padded
    ins, outs, before = [], [], []
    for d, (a, b) in zip(inp.shape, pads):
        if d == 1 and a == 0 and b == 0:
            continue
        if ins and a == 0 and b == 0:
            ins[-1], outs[-1], before[-1] = ins[-1] * d, outs[-1] * d, before[-1] * d
            continue
        ins.append(d)
        outs.append(d + a + b)
        before.append(a)
    if not ins:
        ins, outs, before = [1], [1], [0]
    params = (("elem_size", inp.dtype.size), ("rank", len(ins)), ("in_dims", padded(ins, MAX_DIMS)),
              ("out_dims", padded(outs, MAX_DIMS)), ("pad_before", padded(before, MAX_DIMS)),
              ("pad_bits", _bits(_constant(sg, op), inp.dtype)))
    call = KernelCall(function="mf_pad", params_type="mf_pad_params", params=params, inputs=(op.inputs[0],),
                      outputs=(op.outputs[0],), comment=f"paddings {pads}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    x = np.asarray(values[0])
    return [np.pad(x, _paddings(sg, op), mode="constant", constant_values=_constant(sg, op))]


for _name in ("PAD", "PADV2"):
    register(OpHandler(opcode=_name, check=check, lower=lower, fold=fold, types=TYPES))
