"""Peak RAM (arena + static kernel scratch + stack + the model's state) and the memory timeline: the
arena's buffers alive at each operator, checked against lifetimes derived from the graph on its own
(produced at or before the step, read at or after it), and a peak step whose high-water is the arena."""

from __future__ import annotations

import json

import pytest

from codegen.boards import load_board
from codegen.generate import compile_model
from codegen.lowering import STATIC_SCRATCH, StorageKind
from codegen.ops.base import scratch_key
from codegen.peakram import Alive, MemoryStep, ModelRam, PeakRam, StackSource, memory_timeline, model_ram
from support.paths import DEFAULT_MODEL, SHARED_MODELS

MODELS = ("keyword_spotting", "anomaly_detection", "image_classification", "visual_wake_words")


def _compile(name: str, board: str = "stm32l475"):
    path = DEFAULT_MODEL if name == "digits_cnn" else SHARED_MODELS / f"{name}.tflite"
    return compile_model(path, target=load_board(board).core.target)


def test_peak_ram_is_the_sum_and_says_where_the_stack_comes_from():
    own = ModelRam(arena_bytes=10_480, scratch_bytes=624, state_bytes=16)
    measured = own.peak(644, StackSource.MEASURED)
    assert measured.total == 10_480 + 624 + 644 + 16 and measured.stack == "measured"
    assert measured.describe() == "arena 10.2 KB + scratch 624 B + stack 644 B (measured) + state 16 B"
    reserved = own.peak(4096, StackSource.RESERVED)
    assert reserved.total == measured.total - 644 + 4096 and "(reserved)" in reserved.describe()
    # a program under an OS: its stack is not the firmware's and is not counted
    for hosted in (own.peak(None, StackSource.RESERVED), own.peak(8192, StackSource.NOT_COUNTED)):
        assert hosted.total == 10_480 + 624 + 16 and hosted.stack == StackSource.NOT_COUNTED
    d = json.loads(json.dumps(measured.to_json()))
    assert d["peak_ram_bytes"] == measured.total and PeakRam.from_json(d) == measured


def test_model_ram_splits_the_static_scratch_from_the_state():
    m = _compile("image_classification")   # the DSP kernels' scratch, out of the arena
    own = model_ram(m)
    static = [v for v in m.variables if v.symbol == STATIC_SCRATCH]
    assert static and own.scratch_bytes == static[0].nbytes > 0
    assert own.state_bytes == sum(v.nbytes for v in m.variables) - own.scratch_bytes
    assert own.arena_bytes == m.arena_bytes


def _graph_alive(m) -> list[set[tuple[int, int]]]:
    """Per main-subgraph operator: the non-constant tensors alive then, from the graph alone."""
    sg = m.graph.main
    n = len(sg.operators)
    first: dict[int, int] = {i: -1 for i in sg.inputs}
    last: dict[int, int] = {i: n for i in sg.outputs}
    for k, op in enumerate(sg.operators):
        for t in op.outputs:
            first.setdefault(t, k)
        for t in op.inputs:
            if t >= 0 and not sg.tensors[t].is_const:
                last[t] = max(last.get(t, k), k)
    out = []
    for k in range(n):
        out.append({(0, t) for t in first if first[t] <= k <= last.get(t, first[t])
                    and m.storage[(0, t)].kind == StorageKind.ARENA})
    return out


@pytest.mark.parametrize("name", MODELS)
def test_timeline_matches_the_graphs_lifetimes_and_peaks_at_the_arena(name):
    m = _compile(name)
    tl = memory_timeline(m)
    assert [s.label for s in tl.steps] == [str(s.op_index) for s in m.steps]
    assert [s.op for s in tl.steps] == [s.opcode for s in m.steps]
    expected = _graph_alive(m)
    for step, keys in zip(tl.steps, expected):
        # every tensor alive then, at its storage's offset and size (a RESHAPE's output shares its input's
        # bytes: one buffer); plus the scratch of the step's own calls that the planner put in the arena
        want = {(m.storage[k].offset, m.graph.main.tensors[k[1]].nbytes) for k in keys}
        scratch = {(a.offset, a.bytes) for a in step.alive if a.name.startswith("scratch ")}
        assert all(a.name.startswith(f"scratch {step.label}.") for a in step.alive if a.name.startswith("scratch "))
        assert {(a.offset, a.bytes) for a in step.alive} - scratch == want, (name, step.label)
        for a in step.alive:
            assert 0 <= a.offset and a.offset + a.bytes <= m.arena_bytes
        assert step.alive_bytes <= step.extent <= m.arena_bytes
    # the peak step is where the arena reaches its size (the plan's top, 16-byte aligned)
    peak = tl.steps[tl.peak_step]
    assert peak.extent == max(s.extent for s in tl.steps)
    assert -(-peak.extent // 16) * 16 == m.arena_bytes


def test_scratch_in_the_arena_lives_only_at_its_operator():
    m = _compile("digits_cnn", "mps2-an386")
    tl = memory_timeline(m)
    arena_scratch = [k for k, st in m.storage.items() if k[0] == "scratch" and st.kind == StorageKind.ARENA]
    assert arena_scratch  # (the DSP convolution's, at op 5)
    for k in arena_scratch:
        _, sg, op, name = k
        at = [s for s in tl.steps if any(a.name == f"scratch {op}.{name}" for a in s.alive)]
        assert [s.label for s in at] == [str(op)] and k == scratch_key(sg, op, name)


def test_alive_bytes_count_overlapping_buffers_once():
    step = MemoryStep(0, "2", "DEPTHWISE_CONV_2D", (Alive("out", 8000, 1408), Alive("in", 8000, 1792),
                                                    Alive("far", 16, 20_000)))
    assert step.alive_bytes == (1792 + 8000 - 1408) + 16 and step.extent == 20_016
