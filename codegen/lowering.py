"""From a checked, optimised graph to a :class:`CompiledModel`: kernel calls, storage, arena plan.

This is the whole generated program in data form; :mod:`codegen.emit` only formats it.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import Mapping

import numpy as np

from codegen.errors import McuforgeError
from codegen.ir import DType, Graph, Subgraph, Tensor
from codegen.ir.graph import NO_TENSOR
from codegen.ops.base import (ArrayKind, CArray, Copies, FlowItem, Invoke, KernelCall, KeyPtr, LowerContext, Loop,
                              Scratch, State, Target, TensorPtr, TensorPtrs, Touch, scratch_key, tensor_id)
from codegen.ops.registry import handler
from codegen.ops.variables import resource_variables
from codegen.planner import ArenaPlan, Buffer, plan_arena
from codegen.planner import patches
from codegen.planner.arena import Part
from codegen.planner.patches import MemoryMode, StagePlan
from codegen.wellformed import operator_context

TensorKey = tuple[int, int]  # (subgraph index, tensor index)


class StorageKind(enum.StrEnum):
    """Where a tensor's bytes live (a str enum: ``StorageKind.ARENA == "arena"``)."""

    ARENA = "arena"        # the planned arena, at an offset
    CONST = "const"        # a constant array in flash
    VARIABLE = "variable"  # a persistent buffer outside the arena


@dataclass(frozen=True)
class Storage:
    """Where a tensor's bytes live: ``arena`` + offset, ``const`` array, or ``variable`` buffer."""

    kind: StorageKind
    offset: int = 0
    symbol: str = ""


@dataclass(frozen=True)
class StateBuffer:
    """A persistent static buffer outside the arena (variable tensors, resource variables, CALL_ONCE
    flags). ``<prefix>_init()`` fills it with the byte ``fill``; ``<prefix>_reset()`` does the same
    when ``on_reset`` (TFLM's reset restores variables to their zero point but leaves CALL_ONCE done)."""

    symbol: str
    nbytes: int
    fill: int = 0
    on_reset: bool = True


@dataclass(frozen=True)
class Step:
    subgraph: int
    op_index: int
    opcode: str
    calls: tuple[KernelCall, ...]
    macs: int
    summary: str  # "int8[1x8x8x1] -> int8[1x8x8x8]"
    aliased: tuple[int, ...] = ()  # tensors of this op's views (RESHAPE...), which no call touches

    @property
    def touched(self) -> tuple[int, ...]:
        """Every tensor the generated code for this op reads or writes."""
        out = list(self.aliased)
        for c in self.calls:
            out += [*map(tensor_id, c.inputs), *map(tensor_id, c.outputs), *_ptr_tensors(c)]
        return tuple(out)


@dataclass(frozen=True)
class IOTensor:
    name: str
    tensor: int
    dtype: DType
    shape: tuple[int, ...]
    nbytes: int
    scale: float
    zero_point: int
    offset: int


@dataclass(frozen=True, eq=False)
class CompiledModel:
    prefix: str
    sha256: str
    source: str
    graph: Graph
    steps: tuple[Step, ...]  # the main subgraph, in order
    sub_steps: Mapping[int, tuple[Step, ...]]  # other subgraphs (run by CALL_ONCE etc.)
    storage: Mapping[TensorKey, Storage]
    plan: ArenaPlan
    arrays: tuple[CArray, ...]
    inputs: tuple[IOTensor, ...]
    outputs: tuple[IOTensor, ...]
    variables: tuple[StateBuffer, ...] = ()  # persistent buffers outside the arena
    target: Target = field(default_factory=Target)
    patches: tuple[StagePlan, ...] = ()  # stages run patch by patch (codegen/planner/patches.py)

    @property
    def recomputed_macs(self) -> int:
        """MACs computed again in the patches' halos (on top of :attr:`macs`)."""
        return sum(p.recomputed_macs for p in self.patches)

    @property
    def arena_bytes(self) -> int:
        return self.plan.size

    @property
    def macs(self) -> int:
        return sum(s.macs for s in self.steps) + sum(s.macs for v in self.sub_steps.values() for s in v)

    @property
    def weights_bytes(self) -> int:
        return sum(a.nbytes for a in self.arrays if a.kind == ArrayKind.WEIGHTS)

    @property
    def params_bytes(self) -> int:
        return sum(a.nbytes for a in self.arrays if a.kind != ArrayKind.WEIGHTS)

    @property
    def kernels(self) -> tuple[str, ...]:
        names = {src for steps in (self.steps, *self.sub_steps.values()) for s in steps
                 for c in s.calls for src in c.sources}
        return tuple(sorted(names))

    @property
    def dsp_paths(self) -> tuple[str, ...]:
        """The DSP kernel paths the calls take (KernelCall.dsp_paths): what the build compiles."""
        return tuple(sorted({p for steps in (self.steps, *self.sub_steps.values()) for s in steps
                             for c in s.calls for p in c.dsp_paths}))

    @property
    def ops_used(self) -> tuple[str, ...]:
        return tuple(sorted({s.opcode for s in self.steps} |
                            {s.opcode for v in self.sub_steps.values() for s in v}))


_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def prefix_from(name: str) -> str:
    """A C identifier prefix from a model file stem: 'keyword-spotting.v2' -> 'keyword_spotting_v2'."""
    p = re.sub(r"[^A-Za-z0-9_]", "_", name).strip("_").lower() or "model"
    if p[0].isdigit():
        p = "m_" + p
    return p


MAX_NESTING = 8  # subgraphs running subgraphs (control flow inside control flow)


def _flow(graph: Graph, sg: Subgraph, op) -> tuple[FlowItem, ...]:
    h = handler(op.opcode)
    return h.flow(graph, sg, op) if h is not None and h.flow is not None else ()


def _invoked(items: tuple[FlowItem, ...]) -> list[int]:
    out: list[int] = []
    for it in items:
        if isinstance(it, Invoke):
            out.append(it.subgraph)
        elif isinstance(it, Loop):
            out += _invoked(it.items)
    return out


def _reachable(graph: Graph) -> list[int]:
    """The subgraphs the main one runs (itself included, through CALL_ONCE, IF, WHILE), in index order.
    A subgraph that runs itself (recursion) or nesting deeper than MAX_NESTING is refused."""
    seen: set[int] = set()

    def visit(k: int, stack: tuple[int, ...]) -> None:
        seen.add(k)
        sg = graph.subgraphs[k]
        for op in sg.operators:
            for callee in _invoked(_flow(graph, sg, op)):
                if not 0 <= callee < len(graph.subgraphs):
                    raise McuforgeError(f"subgraph {k} op {op.index} {op.opcode} runs subgraph {callee}, "
                                        f"the model has {len(graph.subgraphs)}", hint="the model is corrupted")
                if callee in stack or callee == k:
                    raise McuforgeError(f"subgraph {k} op {op.index} {op.opcode} runs subgraph {callee}, which "
                                        f"is already running (recursion)",
                                        hint="TFLM's subgraphs are not re-entrant either: the model cannot run")
                if len(stack) >= MAX_NESTING:
                    raise McuforgeError(f"subgraph calls nest deeper than {MAX_NESTING}",
                                        hint="flatten the model's control flow")
                visit(callee, (*stack, k))

    visit(0, ())
    return sorted(seen)


@dataclass
class _Timeline:
    """Every point of one invoke in execution order (subgraphs inlined where they run, each loop body
    once): which tensors each point touches, and when each operator's kernel calls run (an operator
    of a subgraph run from several places runs at several times)."""

    touches: list[tuple[int, TensorKey]]
    runs: list[tuple[int, int, int]]  # (time, subgraph, op index)
    end: int
    scratch: dict  # scratch_key -> bytes: kernel scratch buffers, alive while their call runs


def _timeline(graph: Graph, steps: dict[int, list[Step]]) -> _Timeline:
    """Control flow laid out for the planner. Both IF branches come one after the other, so their
    tensors may share bytes (only one runs); a WHILE's cond and body come once, their tensors living
    within one iteration, and the loop-carried tensors (``Loop.carried``) are alive over the whole
    loop. A tensor touched at several points lives from the first to the last of them."""
    touches: list[tuple[int, TensorKey]] = []
    runs: list[tuple[int, int, int]] = []
    scratch: dict = {}
    clock = 0

    def tick() -> int:
        nonlocal clock
        clock += 1
        return clock - 1

    def run(k: int) -> None:
        sg = graph.subgraphs[k]
        for s in steps[k]:
            t = tick()
            runs.append((t, k, s.op_index))
            touches.extend((t, (k, i)) for i in s.touched)
            for c in s.calls:
                for _, v in c.params:
                    if isinstance(v, Scratch):
                        key = scratch_key(k, s.op_index, v.name)
                        # the calls of one step run one after the other and share its scratch buffers (a
                        # stage run in patches: several kernels' scratch named alike), sized for the largest
                        scratch[key] = max(scratch.get(key, 0), v.nbytes)
                        touches.append((t, key))
            lay(_flow(graph, sg, sg.operators[s.op_index]))

    def lay(items: tuple[FlowItem, ...]) -> None:
        for it in items:
            if isinstance(it, Touch):
                t = tick()
                touches.extend((t, key) for key in it.keys)
            elif isinstance(it, Invoke):
                run(it.subgraph)
            else:
                start = tick()
                lay(it.items)
                end = tick()
                touches.extend((t, key) for key in it.carried for t in (start, end))

    run(0)
    return _Timeline(touches=touches, runs=runs, end=clock, scratch=scratch)


@dataclass(frozen=True)
class Schedule:
    """When each operator runs on the planner's clock (the times of the arena plan's lifetimes)."""

    runs: tuple[tuple[int, int, int], ...]  # (time, subgraph, op index), subgraphs inlined where they run
    end: int                                # the clock after the last point (the outputs' last time)


def schedule(m: "CompiledModel") -> Schedule:
    """The compiled model's schedule, laid out as the planner laid it out."""
    steps = {0: list(m.steps), **{k: list(v) for k, v in m.sub_steps.items()}}
    t = _timeline(m.graph, steps)
    return Schedule(runs=tuple(t.runs), end=t.end)


def _summary(sg: Subgraph, idx: tuple[int, ...], outs: tuple[int, ...]) -> str:
    ins = ", ".join(sg.tensors[i].describe() for i in idx if i != NO_TENSOR and not sg.tensors[i].is_const)
    return f"{ins} -> " + ", ".join(sg.tensors[i].describe() for i in outs)


def compile_graph(graph: Graph, prefix: str, target: Target = Target(), reuse_arena: bool = True,
                  memory: MemoryMode = MemoryMode.BALANCED, ram_budget: int | None = None) -> CompiledModel:
    """The model's program and storage. `memory` says how far to trade MACs for RAM (patch-based
    inference, codegen/planner/patches.py): `ram` as far as it lowers the model's RAM (arena and
    static kernel scratch), `balanced` only when that RAM exceeds `ram_budget` (the board's room
    for it; None: no limit), `speed` never."""
    if not _IDENT.match(prefix):
        raise McuforgeError(f"prefix {prefix!r} is not a C identifier", hint="use letters, digits and '_'")
    steps: dict[int, list[Step]] = {}
    arrays: list[CArray] = []
    aliases: dict[TensorKey, TensorKey] = {}
    states: dict[str, StateBuffer] = {}
    for sg in (graph.subgraphs[k] for k in _reachable(graph)):
        steps[sg.index] = []
        for op in sg.operators:
            h = handler(op.opcode)
            assert h is not None, op.opcode  # check_graph ran before
            with operator_context(graph, sg, op):
                low = h.lower(LowerContext(graph=graph, subgraph=sg, op=op, target=target))
            aliased: list[int] = []
            for a in low.aliases:
                aliases[(sg.index, a.output)] = (sg.index, a.input)
                aliased += [a.input, a.output]
            for c in low.calls:
                arrays.extend(c.arrays)
                for st in _states(c):
                    states[st.name] = StateBuffer(st.name, st.nbytes, st.fill, st.on_reset)
            steps[sg.index].append(Step(subgraph=sg.index, op_index=op.index, opcode=op.opcode, calls=low.calls,
                                        macs=h.macs(sg, op), summary=_summary(sg, op.inputs, op.outputs),
                                        aliased=tuple(aliased)))

    def root(k: TensorKey) -> TensorKey:
        while k in aliases:
            k = aliases[k]
        return k

    layout = _layout(graph, steps, root, reuse_arena, {}, {})
    stages: tuple[StagePlan, ...] = ()
    if reuse_arena:
        plain = steps
        steps, layout = _fuse_bands(graph, steps, layout, root, target)
        if _wants_patches(memory, ram_budget, layout):
            steps, layout, stages = _patched(graph, plain, (steps, layout), root, target, memory, ram_budget)
    storage, plan = layout.storage, layout.plan
    arrays += layout.arrays
    variables = layout.variables
    for k in aliases:
        storage[k] = storage[root(k)]
    # tensors referenced by calls but never touched (e.g. optional outputs) get no storage: catch it
    for sg_steps in steps.values():
        for s in sg_steps:
            for c in s.calls:
                keys = [(s.subgraph, i) for i in (*map(tensor_id, c.inputs), *map(tensor_id, c.outputs),
                                                   *_ptr_tensors(c))]
                keys += [k for _, v in c.params if isinstance(v, Copies) for pair in v.pairs for k in pair]
                keys += [v.key for _, v in c.params if isinstance(v, KeyPtr)]
                keys += [scratch_key(s.subgraph, s.op_index, v.name) for _, v in c.params if isinstance(v, Scratch)]
                for k in keys:
                    if k not in storage:
                        raise McuforgeError(f"subgraph {s.subgraph} op {s.op_index} {s.opcode}: tensor {k[1]} of "
                                            f"subgraph {k[0]} has no storage",
                                            hint="this is a code-generator bug; please report it with the model")
    main = graph.main

    def io(i: int) -> IOTensor:
        t = main.tensors[i]
        st = storage[root((0, i))]
        if st.kind != StorageKind.ARENA:
            raise McuforgeError(f"model input/output {t.name!r} is a constant",
                                hint="the model computes nothing at run time for it; remove it")
        q = t.quant
        return IOTensor(name=t.name, tensor=i, dtype=t.dtype, shape=t.shape, nbytes=t.nbytes,
                        scale=q.s if q else 0.0, zero_point=q.zp if q else 0, offset=st.offset)

    return CompiledModel(prefix=prefix, sha256=graph.sha256, source=graph.source, graph=graph,
                         steps=tuple(steps[0]),
                         sub_steps=MappingProxyType({k: tuple(v) for k, v in steps.items() if k != 0}),
                         storage=MappingProxyType(storage), plan=plan, arrays=tuple(_dedupe(arrays)),
                         inputs=tuple(io(i) for i in main.inputs), outputs=tuple(io(i) for i in main.outputs),
                         variables=tuple(variables.values()) + tuple(states.values()), target=target,
                         patches=stages)


def _fuse_bands(graph: Graph, steps: dict[int, list[Step]], layout: "_Layout", root,
                target: Target) -> tuple[dict, "_Layout"]:
    """Band fusion of every conv->pool pair where it makes the arena smaller: the special case of
    patch-based inference that computes nothing twice (codegen/fusion.py picks the pairs: a pooling
    window as tall as its stride), one band per pooled row."""
    from codegen import fusion
    for i, j in fusion.candidates(graph, steps[0]):
        main = steps[0]
        macs = {s.op_index: s.macs for s in main}
        pooled = graph.main.tensors[graph.main.operators[main[j].op_index].outputs[0]].shape[1]
        stage = patches.plan_stage(graph, main, i, j, pooled, macs.__getitem__)
        if stage is None or stage.recomputed_macs:
            continue
        a, b = main[i], main[j]
        fused = _staged(graph, main, stage, target, f"fused with op {b.op_index} {b.opcode} in {pooled} bands",
                        f"computed in op {a.op_index}'s bands", "band")
        trial_steps = {**steps, 0: fused}
        trial = _layout(graph, trial_steps, root, True, {**layout.bands, **{(0, t): n for t, n in stage.buffers}},
                        layout.blocks)
        if trial.plan.size < layout.plan.size:
            steps, layout = trial_steps, trial
    return steps, layout


def _staged(graph: Graph, main: list[Step], stage: StagePlan, target: Target, head_note: str, rest_note: str,
            word: str) -> list[Step]:
    """The main subgraph's steps with `stage` run in patches: all its calls in its first step."""
    out = list(main)
    head = main[stage.first]
    out[stage.first] = replace(head, calls=patches.patch_calls(graph, main, stage, target, word),
                               summary=f"{head.summary} ({head_note})")
    for k in range(stage.first + 1, stage.last + 1):
        out[k] = replace(main[k], calls=(), summary=f"{main[k].summary} ({rest_note})")
    return out


def _ram(layout: "_Layout") -> int:
    """The RAM a layout costs the model: the arena and the static kernel scratch."""
    scratch = layout.variables.get(STATIC_SCRATCH)
    return layout.plan.size + (scratch.nbytes if scratch else 0)


def _wants_patches(memory: MemoryMode, budget: int | None, layout: "_Layout") -> bool:
    if memory == MemoryMode.RAM:
        return True
    return memory == MemoryMode.BALANCED and budget is not None and _ram(layout) > budget


PATCH_TRIALS = 16  # stage plans planned for real (of those ranked best by the quick estimate)


RAM_SLACK = 0.01  # memory=ram: patch plans within 1 % of the least RAM are equal; fewer recomputed MACs wins


def _patched(graph: Graph, plain: dict[int, list[Step]], best: tuple[dict, "_Layout"], root, target: Target,
             memory: MemoryMode, budget: int | None) -> tuple[dict, "_Layout", tuple[StagePlan, ...]]:
    """The steps with one stage run in patches (then band fusion on the rest), if that lowers the RAM.
    Plans the stages ranked best by the quick estimate (and, for `balanced`, those estimated to fit
    the budget that recompute least) for real; `ram` keeps the least RAM (within RAM_SLACK: then the
    fewest recomputed MACs), `balanced` the fewest
    recomputed MACs among those that fit `budget` (none fits: the least RAM)."""
    macs = {s.op_index: s.macs for s in plain[0]}
    ranked = patches.candidates(graph, plain[0], macs.__getitem__, root)
    order = ranked[:PATCH_TRIALS]
    if memory == MemoryMode.BALANCED and budget is not None:
        order = patches.fewest_recomputed(ranked, budget)[:PATCH_TRIALS] + order
    trials: list[tuple[StagePlan, dict, _Layout]] = []
    seen: set = set()
    for stage in order:
        if (stage.first, stage.last, stage.patches) in seen:
            continue
        seen.add((stage.first, stage.last, stage.patches))
        head = plain[0][stage.first]
        main = _staged(graph, plain[0], stage, target, stage.describe(), f"computed in op {head.op_index}'s patches",
                       "patch")
        blocks = {(0, t): ((0, stage.buffers[0][0]), at) for t, at in stage.offsets} if len(stage.offsets) > 1 else {}
        trial = _layout(graph, {**plain, 0: main}, root, True, {(0, t): n for t, n in stage.buffers}, blocks)
        trial_steps, trial = _fuse_bands(graph, {**plain, 0: main}, trial, root, target)
        trials.append((stage, trial_steps, trial))
    steps, layout = best
    fitting = [t for t in trials if budget is not None and _ram(t[2]) <= budget]
    if memory == MemoryMode.BALANCED and fitting:
        stage, steps, layout = min(fitting, key=lambda t: (t[0].recomputed_macs, _ram(t[2])))
        return steps, layout, (stage,)
    if trials:
        # `ram`: the least RAM; plans within RAM_SLACK of it count as equal and the one recomputing
        # least wins (image_classification: 32 B more RAM for 15.1M instead of 28.9M instructions)
        least = min(_ram(t[2]) for t in trials)
        near = [t for t in trials if _ram(t[2]) <= least * (1 + RAM_SLACK)]
        stage, trial_steps, trial = min(near, key=lambda t: (t[0].recomputed_macs, _ram(t[2])))
        if _ram(trial) < _ram(layout):
            return trial_steps, trial, (stage,)
    return steps, layout, ()


def _states(c: KernelCall) -> list[State]:
    return [v for _, v in c.params if isinstance(v, State)]


@dataclass
class _Group:
    members: dict  # root -> byte position inside the group
    first: int
    last: int
    extent: int
    # every member m sits at a position = phase (mod align[m]); modulus = the largest alignment: moving
    # the whole group by -phase (mod modulus) aligns every member (see _share_groups)
    phase: int = 0
    modulus: int = 1


@dataclass
class _Layout:
    storage: dict
    plan: ArenaPlan
    arrays: list
    variables: dict
    bands: dict  # tensor -> bytes, for tensors that only ever hold a band of rows (patches, fusion)
    blocks: dict  # tensor -> (block key, position): a patched stage's buffers, laid out by their lifetimes in a patch


WORD = 4  # tensors in a share group start on a word (float32 loads, LDRD and LDM need it)
STATIC_SCRATCH = "scratch"  # the static buffer of the kernel scratch that stays out of the arena


def _layout(graph: Graph, steps: dict[int, list[Step]], root, reuse_arena: bool, bands: dict,
            blocks: dict) -> _Layout:
    """Lifetimes over the schedule, storage classes, and the arena plan for these steps. `bands`:
    tensors that hold only a band of rows (tensor -> bytes); `blocks`: tensors at fixed positions in
    one buffer (tensor -> (block key, position): a patched stage's buffers, StagePlan.offsets)."""
    timeline = _timeline(graph, steps)
    first: dict[TensorKey, int] = {}
    last: dict[TensorKey, int] = {}
    size: dict[TensorKey, int] = {}
    align: dict[TensorKey, int] = {}  # the element alignment a tensor's bytes need (its type's size, at most 8)
    end = timeline.end

    def touch(k: TensorKey, t: int) -> None:
        r = root(k)
        first[r] = min(first.get(r, t), t)
        last[r] = max(last.get(r, t), t)
        if k in timeline.scratch:
            size[r] = timeline.scratch[k]
            align[r] = 8
            return
        tensor = graph.subgraphs[k[0]].tensors[k[1]]
        size[r] = max(size.get(r, 0), bands.get(k, tensor.nbytes))
        align[r] = max(align.get(r, 1), min(tensor.dtype.size, 8))

    for t, key in timeline.touches:
        touch(key, t)
    main = graph.main
    for i in main.inputs:
        touch((0, i), -1)
    for i in main.outputs:
        touch((0, i), end)

    storage: dict[TensorKey, Storage] = {}
    arrays: list[CArray] = []
    variables: dict[str, StateBuffer] = {}
    resources = resource_variables(graph)
    for r in sorted(first, key=_order):
        if r in timeline.scratch:
            continue  # arena
        tensor = graph.subgraphs[r[0]].tensors[r[1]]
        if tensor.is_const:
            sym = f"sg{r[0]}_t{r[1]}"
            storage[r] = Storage(StorageKind.CONST, symbol=sym)
            arrays.append(CArray(name=sym, ctype=tensor.dtype.c_type, values=np.asarray(tensor.data).reshape(-1),
                                 kind=ArrayKind.WEIGHTS))
        elif tensor.is_variable:
            sym = f"sg{r[0]}_var{r[1]}"
            storage[r] = Storage(StorageKind.VARIABLE, symbol=sym)
            # TFLM ResetVariableTensors: int8 variable tensors hold their zero point, others 0
            fill = tensor.quant.zp & 0xFF if tensor.dtype == DType.INT8 and tensor.quant else 0
            variables[sym] = StateBuffer(sym, size[r], fill)
        elif r in resources:
            v = resources[r]
            storage[r] = Storage(StorageKind.VARIABLE, symbol=v.symbol)
            variables[v.symbol] = StateBuffer(v.symbol, v.nbytes, v.fill)
    arena_roots = [r for r in sorted(first, key=_order) if r not in storage]
    if reuse_arena:
        # outputs share their inputs' bytes as if there were no scratch; then the scratch buffers
        scratch = set(timeline.scratch)
        placement, _, groups = _share_groups([r for r in arena_roots if r not in scratch], first, last, size,
                                             align, steps, timeline.runs, root, blocks)
        for k in scratch:
            groups[k] = _Group({k: 0}, first[k], last[k], size[k])
            placement[k] = (k, 0)
        static = _static_scratch(groups, scratch, size, first, last)
        plan = _plan_groups({k: g for k, g in groups.items() if k not in static}, size, first, last)
        if static:  # kernel scratch in one static buffer instead, planned by lifetime like the arena (the
            # buffers of one call are alive together and get their own bytes; calls apart share them)
            splan = _plan_groups({k: groups[k] for k in static}, size, first, last)
            variables[STATIC_SCRATCH] = StateBuffer(STATIC_SCRATCH, splan.size, on_reset=False)
            for k in static:
                storage[k] = Storage(StorageKind.VARIABLE, offset=splan.offset(k), symbol=STATIC_SCRATCH)
        arena_roots = [r for r in arena_roots if r not in static]
    else:
        placement = {r: (r, 0) for r in arena_roots}
        plan = plan_arena([Buffer(key=r, size=size[r], first=first[r], last=last[r]) for r in arena_roots],
                          reuse=False)
    for r in arena_roots:
        group, at = placement[r]
        storage[r] = Storage(StorageKind.ARENA, offset=plan.offset(group) + at)
    return _Layout(storage=storage, plan=plan, arrays=arrays, variables=variables, bands=dict(bands),
                   blocks=dict(blocks))


def _order(key: tuple) -> tuple:
    """Tensor keys in (subgraph, tensor) order, then scratch buffers."""
    return (0, key) if isinstance(key[0], int) else (1, str(key))


def _share_groups(roots: list[TensorKey], first: dict, last: dict, size: dict, align: dict,
                  steps: dict[int, list[Step]], runs: list[tuple[int, int, int]],
                  root, blocks: dict) -> tuple[dict[TensorKey, tuple[int, int]], ArenaPlan, dict]:
    """Storage groups: a call's output may overlap its input when the kernel allows it
    (``KernelCall.shares``/``inplace``: the output starts a computed number of bytes before the
    input) and the input dies at that very call while the output is born there. Each candidate is
    kept only if the planned arena does not grow. Every member keeps its type's alignment (at least a
    word) within the (16-byte aligned) group: an output may start further before its input than the
    kernel needs, never less. Returns root -> (group key, position), the plan and the groups (group
    key -> :class:`_Group`)."""
    groups = {r: _Group({r: 0}, first[r], last[r], size[r], 0, align[r]) for r in roots}
    owner = {r: r for r in roots}
    for r, (key, at) in sorted(blocks.items()):  # a patched stage's buffers: one group, laid out already
        if r not in groups or key not in groups:
            continue
        if r != key:
            del groups[r]
            g = groups[key]
            g.members[r] = at
            g.first, g.last = min(g.first, first[r]), max(g.last, last[r])
            g.extent = max(g.extent, at + size[r])
        else:
            groups[key].members[r] = at
            groups[key].extent = max(groups[key].extent, at + size[r])
        groups[key].modulus = 16
        owner[r] = key

    def plan_of(gs: dict) -> ArenaPlan:
        return _plan_groups(gs, size, first, last)

    best = plan_of(groups)
    candidates = []
    by_op = {(k, s.op_index): s for k, sg_steps in steps.items() for s in sg_steps}
    for t, sg_index, op_index in sorted(runs):
        for call in by_op[(sg_index, op_index)].calls:
            pairs = [(o, i, 0) for o, i in call.inplace] + [(x.output, x.input, x.offset) for x in call.shares]
            for o, i, off in pairs:
                candidates.append((t, root((sg_index, o)), root((sg_index, i)), off))
    for t, ro, ri, off in candidates:
        if ro not in owner or ri not in owner:
            continue  # constants and variables keep their own storage
        go, gi = owner[ro], owner[ri]
        if go == gi or groups[gi].last != t or groups[go].first != t or len(groups[go].members) != 1:
            continue
        g1 = groups[gi]
        off = -(-off // WORD) * WORD  # more room is as safe, and every member stays word-aligned
        # the output starts `off` bytes before its input, or further (never less), at a position in
        # phase with the group for its alignment
        a = g1.members[ri] - off
        a -= (a - g1.phase) % min(align[ro], g1.modulus)
        modulus = max(g1.modulus, align[ro])
        shift = max(0, -a)
        members = {r: p + shift for r, p in g1.members.items()}
        members[ro] = a + shift
        phase = (a if align[ro] > g1.modulus else g1.phase) + shift  # (the same mod the old modulus)
        merged = _Group(members, g1.first, max(g1.last, groups[go].last),
                        max(p + size[r] for r, p in members.items()), phase % modulus, modulus)
        trial = {k: g for k, g in groups.items() if k not in (gi, go)}
        trial[gi] = merged
        plan = plan_of(trial)
        if plan.size <= best.size:
            groups, best = trial, plan
            for r in members:
                owner[r] = gi
    # move each group so that its members are aligned (only groups that mix alignments out of phase)
    moved = {k: -g.phase % g.modulus for k, g in groups.items()}
    if any(moved.values()):
        groups = {k: _Group({r: p + moved[k] for r, p in g.members.items()}, g.first, g.last,
                            g.extent + moved[k]) for k, g in groups.items()}
        best = plan_of(groups)
    placement = {r: (owner[r], groups[owner[r]].members[r]) for r in roots}
    return placement, best, groups


def _plan_groups(groups: dict, size: dict, first: dict, last: dict) -> ArenaPlan:
    return plan_arena([Buffer.group(k, (Part(at, size[r], first[r], last[r], r) for r, at in g.members.items()))
                       for k, g in groups.items()])


def _static_scratch(groups: dict, scratch: set, size: dict, first: dict, last: dict) -> frozenset:
    """The kernel scratch buffers that go in one static buffer rather than the arena: those whose
    place in the arena would cost more RAM (arena + static buffer, itself planned by lifetime) than the static buffer, ties
    going to the smaller arena. Greedy from all of them static, each taken back into the arena
    (largest first) when the total does not grow; kept only if that beats all of them in the arena."""
    keys = sorted((k for k in scratch if k in groups), key=lambda k: (-size[k], str(k)))
    if not keys:
        return frozenset()

    def cost(static: frozenset) -> tuple[int, int]:
        arena = _plan_groups({k: g for k, g in groups.items() if k not in static}, size, first, last).size
        planned = _plan_groups({k: groups[k] for k in static}, size, first, last).size if static else 0
        extra = -(-planned // 16) * 16
        return arena + extra, arena

    static = frozenset(keys)
    best = cost(static)
    for k in keys:
        trial = static - {k}
        c = cost(trial)
        if c <= best:
            static, best = trial, c
    return static if best < cost(frozenset()) else frozenset()


def _ptr_tensors(c: KernelCall) -> list[int]:
    """The tensors a call's params point at (array fields included)."""
    out: list[int] = []

    def visit(v: object) -> None:
        if isinstance(v, TensorPtr):
            out.append(v.tensor)
        elif isinstance(v, TensorPtrs):
            out.extend(v.tensors)
        elif isinstance(v, tuple):
            for x in v:
                visit(x)

    for _, v in c.params:
        visit(v)
    return out


def _dedupe(arrays: list[CArray]) -> list[CArray]:
    seen: dict[str, CArray] = {}
    for a in arrays:
        if a.name in seen:
            if not np.array_equal(seen[a.name].values, a.values):
                raise McuforgeError(f"two different constant arrays named {a.name}", hint="code-generator bug")
            continue
        seen[a.name] = a
    return list(seen.values())


def tensor_of(model: CompiledModel, key: TensorKey) -> Tensor:
    return model.graph.subgraphs[key[0]].tensors[key[1]]
