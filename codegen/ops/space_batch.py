"""SPACE_TO_BATCH_ND and BATCH_TO_SPACE_ND: float32 and int8 (TFLM's types), rank 3 or 4 (one or two
spatial dimensions), constant block shape and paddings / crops; numpy folding.

SPACE_TO_BATCH_ND pads with zero bytes whatever the zero point. TFLM's kernel pads with an output
offset it never initialises (its persistent op data): zero bytes when TFLM's arena starts zeroed (a
static arena on a device, a fresh interpreter), leftover bytes when its memory is recycled (measured:
0xCC after earlier interpreters in the same process). Zero bytes is what TFLM computes on a fresh
arena, so the generated code matches it there; the padded positions are otherwise undefined in TFLM.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from codegen.ir import DType, Operator, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Lowered, OpHandler
from codegen.ops.common import require_const
from codegen.ops.movement import check_movable, const_ints
from codegen.ops.registry import register

TYPES = (DType.FLOAT32, DType.INT8)


@dataclass(frozen=True)
class SpaceBatch:
    """Both ops as TFLM sees them: shapes extended to [batch, h, w, depth] (rank 3 has w = 1)."""

    in_batch: int
    in_h: int
    in_w: int
    depth: int
    out_batch: int
    out_h: int
    out_w: int
    block_h: int
    block_w: int
    before_h: int  # SPACE_TO_BATCH_ND: top/left padding; BATCH_TO_SPACE_ND: top/left crop
    before_w: int

    def params(self, elem_size: int) -> tuple:
        return (("in_batch", self.in_batch), ("in_h", self.in_h), ("in_w", self.in_w), ("out_batch", self.out_batch),
                ("out_h", self.out_h), ("out_w", self.out_w), ("block_h", self.block_h), ("block_w", self.block_w),
                ("before_h", self.before_h), ("before_w", self.before_w), ("row_bytes", self.depth * elem_size))


def _extend(shape: tuple[int, ...]) -> tuple[int, int, int, int]:
    return (shape[0], shape[1], shape[2], shape[3]) if len(shape) == 4 else (shape[0], shape[1], 1, shape[2])


def _geometry(sg: Subgraph, op: Operator) -> tuple[SpaceBatch, list[tuple[int, int]]]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    block = const_ints(sg.tensors[op.inputs[1]])
    v = const_ints(sg.tensors[op.inputs[2]])
    pairs = [(v[2 * k], v[2 * k + 1]) for k in range(len(v) // 2)]
    b, h, w, d = _extend(inp.shape)
    ob, oh, ow, _ = _extend(out.shape)
    bw = block[1] if len(block) > 1 else 1
    left = pairs[1][0] if len(pairs) > 1 else 0
    return SpaceBatch(b, h, w, d, ob, oh, ow, block[0], bw, pairs[0][0], left), pairs


def _expected(opcode: str, g: SpaceBatch, pairs: list[tuple[int, int]], rank: int) -> tuple[int, ...]:
    blocks = [g.block_h, g.block_w][:rank - 2]
    spatial = [g.in_h, g.in_w][:rank - 2]
    if opcode == "SPACE_TO_BATCH_ND":
        dims = [(s + a + b) // k for s, (a, b), k in zip(spatial, pairs, blocks)]
        return (g.in_batch * int(np.prod(blocks)), *dims, g.depth)
    dims = [s * k - a - b for s, (a, b), k in zip(spatial, pairs, blocks)]
    return (g.in_batch // int(np.prod(blocks)), *dims, g.depth)


def check(sg: Subgraph, op: Operator) -> list[str]:
    inp, out = sg.tensors[op.inputs[0]], sg.tensors[op.outputs[0]]
    if inp.dtype not in TYPES:
        return [f"type {inp.dtype.name.lower()} (TFLM's {op.opcode} takes float32 and int8)"]
    problems = check_movable(sg, op, [inp, out])
    if len(op.inputs) != 3:
        return problems + [f"{len(op.inputs)} inputs (expected 3)"]
    what = "paddings" if op.opcode == "SPACE_TO_BATCH_ND" else "crops"
    block_t, pairs_t = sg.tensors[op.inputs[1]], sg.tensors[op.inputs[2]]
    problems += require_const(block_t, "block shape") + require_const(pairs_t, what)
    if problems:
        return problems
    rank = len(inp.shape)
    if not 3 <= rank <= 4 or len(out.shape) != rank:
        return [f"{inp.describe()} -> {out.describe()} (TFLM takes rank 3 or 4)"]
    if block_t.dtype != DType.INT32 or pairs_t.dtype != DType.INT32:
        return [f"block shape and {what} must be int32 (TFLM reads int32)"]
    if block_t.elements != rank - 2 or pairs_t.elements != 2 * (rank - 2):
        return [f"block shape {block_t.describe()} and {what} {pairs_t.describe()} for rank {rank}"]
    g, pairs = _geometry(sg, op)
    if min(g.block_h, g.block_w) < 1 or any(a < 0 or b < 0 for a, b in pairs):
        return [f"block shape {const_ints(block_t)} and {what} {pairs}"]
    if _expected(op.opcode, g, pairs, rank) != out.shape:
        problems.append(f"output {out.describe()} does not match block shape {const_ints(block_t)} "
                        f"and {what} {pairs}")
    if inp.quant and out.quant and (inp.quant.s, inp.quant.zp) != (out.quant.s, out.quant.zp):
        problems.append("output quantised differently from the input (TFLM copies raw values)")
    return problems


def lower(ctx: LowerContext) -> Lowered:
    g, pairs = _geometry(ctx.subgraph, ctx.op)
    inp = ctx.t(ctx.op.inputs[0])
    function = "mf_space_to_batch_nd" if ctx.op.opcode == "SPACE_TO_BATCH_ND" else "mf_batch_to_space_nd"
    call = KernelCall(function=function, params_type="mf_space_batch_params", params=g.params(inp.dtype.size),
                      inputs=(ctx.op.inputs[0],), outputs=(ctx.op.outputs[0],),
                      comment=f"block {g.block_h}x{g.block_w} {pairs}")
    return Lowered(calls=(call,))


def fold(sg: Subgraph, op: Operator, values: list[np.ndarray]) -> list[np.ndarray]:
    """TFLM's loops, on the extended 4-D shapes."""
    g, _ = _geometry(sg, op)
    x = np.asarray(values[0]).reshape(g.in_batch, g.in_h, g.in_w, g.depth)
    y = np.zeros((g.out_batch, g.out_h, g.out_w, g.depth), dtype=x.dtype)
    if op.opcode == "SPACE_TO_BATCH_ND":
        for ob in range(g.out_batch):
            ib, shift = ob % g.in_batch, ob // g.in_batch
            sh, sw = shift // g.block_w, shift % g.block_w
            for oh in range(g.out_h):
                ih = oh * g.block_h + sh - g.before_h
                for ow in range(g.out_w):
                    iw = ow * g.block_w + sw - g.before_w
                    if 0 <= ih < g.in_h and 0 <= iw < g.in_w:
                        y[ob, oh, ow] = x[ib, ih, iw]
    else:
        for ib in range(g.in_batch):
            ob, shift = ib % g.out_batch, ib // g.out_batch
            for ih in range(g.in_h):
                oh = ih * g.block_h + shift // g.block_w - g.before_h
                for iw in range(g.in_w):
                    ow = iw * g.block_w + shift % g.block_w - g.before_w
                    if 0 <= oh < g.out_h and 0 <= ow < g.out_w:
                        y[ob, oh, ow] = x[ib, ih, iw]
    return [y.reshape(sg.tensors[op.outputs[0]].shape)]


for _name in ("SPACE_TO_BATCH_ND", "BATCH_TO_SPACE_ND"):
    register(OpHandler(opcode=_name, check=check, lower=lower, fold=fold, types=TYPES))
