"""Patch-based inference (MCUNetV2): the memory-heavy first layers of a CNN run patch by patch.

A *stage* is a run of consecutive operators of the main subgraph (convolutions, pooling, PAD and
row-wise element ops such as ADD) whose intermediate tensors nobody outside the stage reads. Its
output is split into horizontal patches (bands of rows, full width: an NHWC band is contiguous, so
every kernel runs on it unchanged). For each patch the rows every tensor of the stage must hold are
computed backwards through the layers (the receptive field, with its halo: :func:`window_rows`);
the stage's layers then run, in order, on just those rows, each an ordinary kernel call on a
sub-geometry (TFLM's padding on the border patches, pointers moved to the first row a call reads).
So only one patch's intermediate tensors are alive, each in a buffer sized for the tallest patch,
and the results are bit-identical: the same arithmetic, in another order. Rows in the halos of
neighbouring patches are computed twice; :attr:`StagePlan.recomputed_macs` counts those MACs.

:func:`candidates` lists every stage and patch count worth trying, with a quick estimate of the
arena it leads to; codegen/lowering.py plans the best ones for real and picks one by the `memory`
option (:class:`codegen.options.records.MemoryMode`).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from typing import Callable, Hashable

import numpy as np

from codegen.ir import Graph, Subgraph
from codegen.ops.base import KernelCall, LowerContext, Struct, Target, TensorView, tensor_id
from codegen.ops.registry import handler
from codegen.planner.arena import Buffer, plan_arena

class MemoryMode(enum.StrEnum):
    """The `memory=` option: how far to trade MACs for RAM."""

    RAM = "ram"            # patch-based inference as far as it lowers the model's RAM
    BALANCED = "balanced"  # patch-based inference only when the model does not fit the board otherwise
    SPEED = "speed"        # never compute anything twice


WINDOW_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "AVERAGE_POOL_2D", "MAX_POOL_2D")
PAD_OPS = ("PAD", "PADV2")
# element-wise ops: an output row needs the same row of each input (inputs of the output's shape)
ROW_OPS = ("ADD", "SUB", "MUL", "RELU", "RELU6", "RELU_N1_TO_1", "LOGISTIC", "TANH", "HARD_SWISH",
           "LEAKY_RELU", "QUANTIZE", "DEQUANTIZE", "MAXIMUM", "MINIMUM", "ABS", "NEG")
MAX_STAGE_OPS = 16     # operators in one stage
PATCH_COUNTS = (2, 3, 4, 5, 6, 8, 10, 12, 16, 24)
MAX_CALLS = 512        # kernel calls a stage may emit (each costs a parameter struct in flash)


@dataclass(frozen=True)
class Rows:
    """Rows [lo, hi) of an NHWC tensor."""

    lo: int
    hi: int

    @property
    def count(self) -> int:
        return self.hi - self.lo

    def hull(self, other: "Rows | None") -> "Rows":
        return self if other is None else Rows(min(self.lo, other.lo), max(self.hi, other.hi))


def window_rows(out: Rows, in_h: int, k_h: int, stride: int, dil: int, pad_top: int) -> tuple[Rows, int]:
    """The input rows a window op reads to compute output rows `out` (clipped to the tensor), and
    the padding above them that the call on those rows needs (its local ``pad_top``)."""
    start = out.lo * stride - pad_top
    end = (out.hi - 1) * stride - pad_top + (k_h - 1) * dil + 1
    rows = Rows(max(0, start), min(in_h, end))
    return rows, rows.lo - start


def pad_rows(out: Rows, in_h: int, before: int) -> tuple[Rows, int, int]:
    """The input rows of a PAD that output rows `out` copy, with the padding rows above and below
    them in the patch."""
    start, end = out.lo - before, out.hi - before
    rows = Rows(max(0, start), min(in_h, end))
    return rows, rows.lo - start, end - rows.hi


def split_rows(height: int, patches: int) -> tuple[Rows, ...]:
    """`height` rows in `patches` bands as even as can be (the taller ones first)."""
    base, extra = divmod(height, patches)
    out, lo = [], 0
    for p in range(patches):
        hi = lo + base + (1 if p < extra else 0)
        out.append(Rows(lo, hi))
        lo = hi
    return tuple(out)


@dataclass(frozen=True)
class StagePlan:
    """One stage run in patches: what lowering needs and what the reports show."""

    first: int            # step index of the first operator
    last: int             # step index of the last one (its output is the stage's output)
    ops: tuple[int, ...]  # operator indices
    output: int           # the stage's output tensor
    patches: int
    buffers: tuple[tuple[int, int], ...]  # (tensor, bytes): intermediate tensors, now patch buffers
    macs: int             # the stage's MACs as the model has them
    recomputed_macs: int  # MACs computed again in the patches' halos
    # where each buffer sits in one block of `block` bytes: within a patch a buffer lives from the
    # operator that writes it to the last that reads it, so buffers of a chain share bytes
    offsets: tuple[tuple[int, int], ...] = ()
    block: int = 0
    estimate: int = 0     # the quick arena estimate (bytes) this plan was ranked by

    def describe(self) -> str:
        pct = 100.0 * self.recomputed_macs / self.macs if self.macs else 0.0
        return (f"ops {self.ops[0]}..{self.ops[-1]} in {self.patches} patches, "
                f"+{self.recomputed_macs:,} MACs recomputed ({pct:.1f} %)")


def _geo(call: KernelCall) -> dict:
    geo = dict(call.params).get("geo")
    return dict(geo.fields) if isinstance(geo, Struct) else {}


def _with_geo(call: KernelCall, **fields: int) -> tuple:
    return tuple((k, Struct(tuple((n, fields.get(n, x)) for n, x in v.fields)) if k == "geo" else v)
                 for k, v in call.params)


def _patch_paths(call: KernelCall, out_h: int) -> tuple[str, ...]:
    """The dsp code paths a window call runs on `out_h` rows: the planar depthwise laid out along the
    columns (dsp_transposed) ends each column in a strip of out_h % 4 (DW_TAIL<n>,
    codegen/ops/depthwise_conv2d.py), which a patch changes; no other path depends on the height."""
    if not dict(call.params).get("dsp_transposed", 0):
        return call.dsp_paths
    tail = out_h % 4
    return tuple(p for p in call.dsp_paths if not p.startswith("DW_TAIL")) + ((f"DW_TAIL{tail}",) if tail else ())


def _activations(sg: Subgraph, op) -> list[int]:
    return [i for i in op.inputs if i >= 0 and not sg.tensors[i].is_const]


def _nhwc(sg: Subgraph, t: int) -> bool:
    s = sg.tensors[t].shape
    return len(s) == 4 and s[0] == 1 and not sg.tensors[t].is_variable


def _eligible(sg: Subgraph, step) -> bool:
    """Can this operator run on a band of rows?"""
    if len(step.calls) != 1 or step.aliased or step.subgraph != 0:
        return False
    op = sg.operators[step.op_index]
    if len(op.outputs) != 1 or not _nhwc(sg, op.outputs[0]):
        return False
    acts = _activations(sg, op)
    if not acts or not all(_nhwc(sg, t) for t in acts):
        return False
    call = step.calls[0]
    if tensor_id(call.outputs[0]) != op.outputs[0] or len(call.outputs) != 1:
        return False
    out_shape = sg.tensors[op.outputs[0]].shape
    if op.opcode in WINDOW_OPS:
        g = _geo(call)
        return all(k in g for k in ("in_h", "out_h", "pad_top", "stride_h", "k_h")) and len(acts) == 1 \
            and tensor_id(call.inputs[0]) == acts[0]
    if op.opcode in PAD_OPS:
        pads = sg.tensors[op.inputs[1]]
        return len(acts) == 1 and pads.is_const and pads.data is not None and \
            tuple(int(v) for v in np.asarray(pads.data).reshape(-1)[:2]) == (0, 0)
    if op.opcode in ROW_OPS:
        return all(sg.tensors[t].shape == out_shape for t in acts)
    return False


@dataclass(frozen=True)
class _Need:
    """What one patch computes: rows of every tensor of the stage (tensor -> Rows)."""

    rows: dict
    # per operator: the rows of each activation input it reads, and window/pad details
    reads: dict   # (op, tensor) -> Rows
    pads: dict    # op -> (top, bottom) local padding (window ops: top only)


def _rows_needed(sg: Subgraph, steps: list, first: int, last: int, out: Rows) -> _Need | None:
    """Backwards through the stage: the rows each tensor must hold for output rows `out`."""
    rows: dict[int, Rows] = {}
    reads: dict[tuple[int, int], Rows] = {}
    pads: dict[int, tuple[int, int]] = {}
    y = sg.operators[steps[last].op_index].outputs[0]
    rows[y] = out
    for s in reversed(steps[first:last + 1]):
        op = sg.operators[s.op_index]
        o = op.outputs[0]
        if o not in rows:
            return None  # an operator nobody in the stage reads (cannot happen in a valid stage)
        r = rows[o]
        acts = _activations(sg, op)
        if op.opcode in WINDOW_OPS:
            g = _geo(s.calls[0])
            need, top = window_rows(r, g["in_h"], g["k_h"], g["stride_h"], g.get("dil_h", 1), g["pad_top"])
            pads[op.index] = (top, 0)
            wanted = {acts[0]: need}
        elif op.opcode in PAD_OPS:
            before = int(np.asarray(sg.tensors[op.inputs[1]].data).reshape(-1, 2)[1][0])
            need, top, bottom = pad_rows(r, sg.tensors[acts[0]].shape[1], before)
            pads[op.index] = (top, bottom)
            wanted = {acts[0]: need}
        else:
            wanted = {t: r for t in acts}
        for t, need in wanted.items():
            if need.count <= 0:
                return None  # a patch whose window lies wholly in the padding: not worth a special case
            reads[(op.index, t)] = need
            rows[t] = need.hull(rows.get(t))
    return _Need(rows=rows, reads=reads, pads=pads)


def _row_bytes(sg: Subgraph, t: int) -> int:
    tensor = sg.tensors[t]
    return tensor.nbytes // tensor.shape[1]


def _stage_ok(sg: Subgraph, steps: list, first: int, last: int) -> bool:
    """Every tensor the stage makes, but its output, is read only inside the stage."""
    inside = {steps[k].op_index for k in range(first, last + 1)}
    consumers = sg.consumers()
    for k in range(first, last):
        t = sg.operators[steps[k].op_index].outputs[0]
        if t in sg.outputs or any(c not in inside for c in consumers.get(t, [])):
            return False
    return True


def plan_stage(graph: Graph, steps: list, first: int, last: int, patches: int,
               macs: Callable[[int], int]) -> StagePlan | None:
    """The stage [first, last] in `patches` patches, or None if some patch cannot be cut."""
    sg = graph.main
    y = sg.operators[steps[last].op_index].outputs[0]
    out_h = sg.tensors[y].shape[1]
    if patches > out_h or patches < 2:
        return None
    needs = [_rows_needed(sg, steps, first, last, r) for r in split_rows(out_h, patches)]
    if any(n is None for n in needs):
        return None
    ops = tuple(steps[k].op_index for k in range(first, last + 1))
    internal = [sg.operators[i].outputs[0] for i in ops[:-1]]
    buffers = tuple((t, max(n.rows[t].count for n in needs if n is not None) * _row_bytes(sg, t))
                    for t in internal)
    position = {i: k for k, i in enumerate(ops)}
    readers: dict[int, int] = {}
    for i in ops:
        for t in _activations(sg, sg.operators[i]):
            readers[t] = max(readers.get(t, 0), position[i])
    block = plan_arena([Buffer(key=t, size=n, first=position[sg.producers()[t]], last=readers[t])
                        for t, n in buffers])
    total = recomputed = 0
    for i in ops:
        o = sg.operators[i].outputs[0]
        h = sg.tensors[o].shape[1]
        computed = sum(n.rows[o].count for n in needs if n is not None)
        m = macs(i)
        total += m
        recomputed += m * computed // h - m
    return StagePlan(first=first, last=last, ops=ops, output=y, patches=patches, buffers=buffers, macs=total,
                     recomputed_macs=max(0, recomputed), offsets=tuple((t, block.offset(t)) for t, _ in buffers),
                     block=block.size)


def _relowered(graph: Graph, sg: Subgraph, op, shapes: dict, paddings: tuple[int, int] | None,
               target: Target) -> KernelCall:
    """The operator lowered again on tensors of the patch's shapes (PAD and row-wise ops)."""
    tensors = list(sg.tensors)
    for t, h in shapes.items():
        s = tensors[t].shape
        tensors[t] = replace(tensors[t], shape=(s[0], h, *s[2:]))
    if paddings is not None:
        p = tensors[op.inputs[1]]
        data = np.array(p.data).reshape(-1, 2)
        data[1] = paddings
        tensors[op.inputs[1]] = replace(p, data=data.reshape(np.shape(p.data)).astype(np.asarray(p.data).dtype))
    band = replace(sg, tensors=tuple(tensors))
    low = handler(op.opcode).lower(LowerContext(graph=graph, subgraph=band, op=op, target=target))
    assert len(low.calls) == 1 and not low.aliases
    return low.calls[0]


def patch_calls(graph: Graph, steps: list, plan: StagePlan, target: Target, word: str = "patch") -> tuple[KernelCall, ...]:
    """The stage's kernel calls, patch after patch (`word` names a patch in the calls' comments)."""
    sg = graph.main
    out_h = sg.tensors[plan.output].shape[1]
    internal = {t for t, _ in plan.buffers}
    calls: list[KernelCall] = []
    for p, out in enumerate(split_rows(out_h, plan.patches)):
        need = _rows_needed(sg, steps, plan.first, plan.last, out)
        assert need is not None

        def ref(t: int, rows: Rows) -> TensorView:
            """Where rows `rows` of tensor t are: in its patch buffer, or in the whole tensor."""
            base = need.rows[t].lo if t in internal else 0
            return TensorView(t, (rows.lo - base) * _row_bytes(sg, t))

        for k in range(plan.first, plan.last + 1):
            s = steps[k]
            op = sg.operators[s.op_index]
            call = s.calls[0]
            o = op.outputs[0]
            orow = need.rows[o]
            dest = ref(o, orow)
            note = f"{call.comment}, {word} {p}: rows {orow.lo}..{orow.hi - 1}".lstrip(", ")
            reads = {t: need.reads[(op.index, t)] for t in _activations(sg, op)}
            if op.opcode in WINDOW_OPS:
                rows = reads[tensor_id(call.inputs[0])]
                new = replace(call, params=_with_geo(call, in_h=rows.count, out_h=orow.count,
                                                     pad_top=need.pads[op.index][0]),
                              inputs=(ref(tensor_id(call.inputs[0]), rows), *call.inputs[1:]),
                              dsp_paths=_patch_paths(call, orow.count))
            else:
                shapes = {t: r.count for t, r in reads.items()}
                shapes[o] = orow.count
                pads = need.pads.get(op.index) if op.opcode in PAD_OPS else None
                low = _relowered(graph, sg, op, shapes, pads, target)
                new = replace(low, inputs=tuple(ref(tensor_id(i), reads[tensor_id(i)])
                                                if tensor_id(i) in reads else i for i in low.inputs))
                call = low
            calls.append(replace(new, outputs=(dest,), shares=(), inplace=(),
                                 arrays=call.arrays if p == 0 else (), comment=note))
    return tuple(calls)


def candidates(graph: Graph, steps: list, macs: Callable[[int], int], root: Callable[[Hashable], Hashable],
               ) -> list[StagePlan]:
    """Every stage and patch count worth planning, each with a quick estimate of the arena it needs
    (the largest sum of live tensor bytes at any step, patch buffers in place of the stage's
    intermediate tensors), the smallest estimate first."""
    sg = graph.main
    n = len(steps)
    size: dict = {}
    first: dict = {}
    last: dict = {}

    def touch(t: int, at: int) -> None:
        tensor = sg.tensors[t]
        if tensor.is_const or tensor.is_variable:
            return
        r = root((0, t))
        size[r] = max(size.get(r, 0), tensor.nbytes)
        first[r] = min(first.get(r, at), at)
        last[r] = max(last.get(r, at), at)

    for k, s in enumerate(steps):
        for t in s.touched:
            touch(t, k)
    for t in sg.inputs:
        touch(t, -1)
    for t in sg.outputs:
        touch(t, n)
    live = [[r for r in size if first[r] <= k <= last[r]] for k in range(n)]
    load = [sum(size[r] for r in rs) for rs in live]
    before = [0] * (n + 1)  # before[k]: the largest load at steps < k
    for k in range(n):
        before[k + 1] = max(before[k], load[k])
    after = [0] * (n + 1)   # after[k]: the largest load at steps >= k
    for k in range(n - 1, -1, -1):
        after[k] = max(after[k + 1], load[k])
    ok = [_eligible(sg, s) for s in steps]
    out: list[StagePlan] = []
    for a in range(n):
        if not ok[a]:
            continue
        for b in range(a + 1, min(n, a + MAX_STAGE_OPS)):
            if not ok[b]:
                break
            if not _stage_ok(sg, steps, a, b):
                continue
            y_h = sg.tensors[sg.operators[steps[b].op_index].outputs[0]].shape[1]
            if y_h < 2:
                continue
            internal = {root((0, sg.operators[steps[k].op_index].outputs[0])) for k in range(a, b)}
            through = {r for k in range(a, b + 1) for r in live[k]} - internal
            base = sum(size[r] for r in through)
            for p in PATCH_COUNTS:
                if p > y_h or p * (b - a + 1) > MAX_CALLS:
                    break
                plan = plan_stage(graph, steps, a, b, p, macs)
                if plan is None:
                    continue
                est = max(before[a], after[b + 1], base + plan.block)
                out.append(replace(plan, estimate=est))
    out.sort(key=lambda c: (c.estimate, c.recomputed_macs))
    return out


def fewest_recomputed(plans: list[StagePlan], budget: int) -> list[StagePlan]:
    """The plans estimated to fit `budget` bytes, the least recomputation first."""
    return sorted((c for c in plans if c.estimate <= budget), key=lambda c: (c.recomputed_macs, c.estimate))
