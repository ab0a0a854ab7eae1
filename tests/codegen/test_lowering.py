"""Lowering's plan of kernel scratch (codegen/lowering.py, ops.base.Scratch): a call's scratch is an
arena buffer alive only while that call runs, or, where the arena would grow for it, one static
buffer shared by such calls; the emitted C points the params at it."""

from __future__ import annotations

from codegen.boards.cores import CORES
from codegen.emit.model import context
from codegen.generate import GenerateOptions, compile_model
from codegen.lowering import STATIC_SCRATCH
from codegen.ops.base import Scratch
from support.paths import SHARED_MODELS

DSP = CORES["cortex-m4f"].target


def _scratch_calls(m):
    return [(s, c, v) for s in m.steps for c in s.calls for _, v in c.params if isinstance(v, Scratch)]


def test_scratch_lives_only_during_its_call():
    m = compile_model(SHARED_MODELS / "keyword_spotting.tflite", DSP, options=GenerateOptions(prefix="kws"))
    m.plan.check()
    calls = _scratch_calls(m)
    assert calls and {s.opcode for s, _, _ in calls} == {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}
    steps = {s.op_index: t for t, s in enumerate(m.steps)}
    for s, _, v in calls:
        buf = next(b for b in m.plan.buffers if b.key == ("scratch", 0, s.op_index, v.name))
        assert buf.first == buf.last == steps[s.op_index] and buf.size == v.nbytes
    # the emitted params point into the arena at the planned offset
    ctx = context(m)
    emitted = {c["symbol"]: c["fields"] for st in ctx["steps"] for c in st["calls"]}
    s, _, v = calls[0]
    offset = m.storage[("scratch", 0, s.op_index, v.name)].offset
    fields = {f["name"]: f["value"] for f in emitted[f"kws_sg0_op{s.op_index}"]}
    assert fields["dsp_scratch"] == f"(int32_t *)(kws_arena + {offset})"


def test_scratch_where_the_arena_would_grow_is_one_static_buffer():
    """image_classification: the column buffers of its largest layers' convolutions would sit on top
    of the arena's peak; they share one static buffer, and the arena is the reference kernels' (no
    scratch at all)."""
    path = SHARED_MODELS / "image_classification.tflite"
    m = compile_model(path, DSP, options=GenerateOptions(prefix="ic"))
    ref = compile_model(path, CORES["host"].target)
    static = [v for v in m.variables if v.symbol == STATIC_SCRATCH]
    assert len(static) == 1 and m.arena_bytes <= ref.arena_bytes
    moved = [(s, v) for s, _, v in _scratch_calls(m) if m.storage[("scratch", 0, s.op_index, v.name)].kind == "variable"]
    assert moved and static[0].nbytes == max(v.nbytes for _, v in moved)
    ctx = context(m)
    fields = {c["symbol"]: {f["name"]: f["value"] for f in c["fields"]} for st in ctx["steps"] for c in st["calls"]}
    s, v = moved[0]
    assert fields[f"ic_sg0_op{s.op_index}"]["dsp_scratch"] == "(int32_t *)ic_scratch"

