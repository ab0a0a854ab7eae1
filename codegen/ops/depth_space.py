"""DEPTH_TO_SPACE and SPACE_TO_DEPTH: float32 and int8 (TFLM's types), any block size, as the
permutations they are (generic ``mf_strided_copy``), and numpy folding.

DEPTH_TO_SPACE: out[n][h*bs + i][w*bs + j][c] = in[n][h][w][(i*bs + j)*C + c] (TFLM's DCR order);
SPACE_TO_DEPTH is its inverse.
"""

from __future__ import annotations

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import LowerContext, Lowered, OpHandler
from codegen.ops.movement import check_movable, strided_copy_call
from codegen.ops.registry import register

TYPES = (DType.FLOAT32, DType.INT8)


def _block(op: Operator) -> int:
    return int(op.opt("blockSize", 0))


def _expected(opcode: str, shape: tuple[int, ...], bs: int) -> tuple[int, ...] | None:
    n, h, w, c = shape
    if opcode == "DEPTH_TO_SPACE":
        return (n, h * bs, w * bs, c // (bs * bs)) if c % (bs * bs) == 0 else None
    return (n, h // bs, w // bs, c * bs * bs) if h % bs == 0 and w % bs == 0 else None


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype not in TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's {op.opcode} takes float32 and int8)"]
    problems = check_movable(sg, op, [inp, out])
    bs = _block(op)
    if len(inp.shape) != 4:
        problems.append(f"input {inp.describe()} (TFLM requires rank 4)")
    elif bs < 1:
        problems.append(f"block size {bs}")
    else:
        want = _expected(op.opcode, inp.shape, bs)
        if want is None:
            problems.append(f"{inp.describe()} does not divide into blocks of {bs}")
        elif want != out.shape:
            problems.append(f"output {out.describe()} (expected {list(want)})")
    if inp.quant and out.quant and (inp.quant.s, inp.quant.zp) != (out.quant.s, out.quant.zp):
        problems.append("output quantised differently from the input (TFLM copies raw values)")
    return problems


def _walk(opcode: str, shape: tuple[int, ...], bs: int) -> tuple[list[int], list[int]]:
    """(count, stride) of the output walk over the input, in elements."""
    n, h, w, c = shape
    if opcode == "DEPTH_TO_SPACE":
        oc = c // (bs * bs)
        return [n, h, bs, w, bs, oc], [h * w * c, w * c, bs * oc, c, oc, 1]
    return [n, h // bs, w // bs, bs, bs, c], [h * w * c, bs * w * c, bs * c, w * c, c, 1]


def lower(ctx: LowerContext) -> Lowered:
    inp = ctx.t(ctx.op.inputs[0])
    bs = _block(ctx.op)
    count, stride = _walk(ctx.op.opcode, inp.shape, bs)
    return Lowered(calls=(strided_copy_call(ctx.op.inputs[0], ctx.op.outputs[0], inp.dtype.size, 0, count, stride,
                                            comment=f"block {bs}"),))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    x = np.ascontiguousarray(values[0])
    count, stride = _walk(op.opcode, x.shape, _block(op))
    view = np.lib.stride_tricks.as_strided(x, shape=count, strides=[s * x.itemsize for s in stride])
    return [np.ascontiguousarray(view).reshape(sg.tensors[op.outputs[0]].shape)]


for _name in ("DEPTH_TO_SPACE", "SPACE_TO_DEPTH"):
    register(OpHandler(opcode=_name, check=check, lower=lower, fold=fold, types=TYPES))
