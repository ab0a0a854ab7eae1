"""Patch-based inference (codegen/planner/patches.py): the halo arithmetic, the stage and patch
count the planner picks for each `memory` option, and patched models bit-exact with TFLM on the host
(both kernel variants). The MobileNets on the emulated STM32L475: tests/codegen/test_patches_qemu.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.host import variant_target
from codegen.planner.patches import MemoryMode, Rows, pad_rows, plan_stage, split_rows, window_rows
from codegen.tflite import read_model_bytes
from support.compare import compare_bytes
from support.paths import SHARED_MODELS
from support.tfmodels import Case, convert


def _small_cnn(tf):
    """Odd sizes, stride 2, SAME and VALID, an expansion (the memory peak), a residual ADD and an
    overlapping pooling window. (Rows 16 wide: the dsp planar depthwise then runs along the rows; laid
    out along the columns, for an 18x14 output, it is kept out of patches.)"""
    L = tf.keras.layers
    x = tf.keras.Input((37, 33, 3), batch_size=1)
    a = L.Conv2D(8, 3, strides=2, padding="valid", activation="relu")(x)        # 18x16x8
    b = L.Conv2D(32, 1, activation="relu6")(a)                                  # 18x16x32
    c = L.DepthwiseConv2D(3, padding="same", activation="relu6")(b)
    d = L.Conv2D(8, 1)(c)
    e = L.Add()([a, d])
    f = L.Conv2D(32, 1, activation="relu6")(e)
    g = L.DepthwiseConv2D(3, strides=2, padding="same", activation="relu6")(f)  # 9x8x32
    h = L.Conv2D(16, 3, padding="valid", activation="relu")(g)                  # 7x6x16
    j = L.MaxPooling2D(3, strides=2, padding="valid")(h)                        # 3x2x16
    y = L.Dense(5)(L.Flatten()(j))
    return tf.keras.Model(x, y)


SMALL_CNN = Case("patch_small_cnn", _small_cnn, inputs=((37, 33, 3),), version=3)


@pytest.fixture(scope="module")
def small_cnn() -> bytes:
    return convert(SMALL_CNN, "int8")


def _compile(model: bytes, memory: MemoryMode, budget: int | None = None, variant: str = "reference"):
    graph = read_model_bytes(model, source="patch_small_cnn.tflite")
    m = compile_model(graph, target=variant_target(variant), options=GenerateOptions(memory=memory, ram_budget=budget))
    m.plan.check()
    return m


# --- the halo arithmetic -------------------------------------------------------------------------

def test_window_rows_reach_back_through_stride_padding_and_dilation():
    # 3x3, stride 2, one row of padding above: output rows 0..1 read input rows -1..3
    assert window_rows(Rows(0, 2), in_h=10, k_h=3, stride=2, dil=1, pad_top=1) == (Rows(0, 4), 1)
    assert window_rows(Rows(2, 4), in_h=10, k_h=3, stride=2, dil=1, pad_top=1) == (Rows(3, 8), 0)
    assert window_rows(Rows(2, 4), in_h=7, k_h=3, stride=2, dil=1, pad_top=1) == (Rows(3, 7), 0)  # bottom edge
    assert window_rows(Rows(1, 3), in_h=20, k_h=3, stride=1, dil=2, pad_top=0) == (Rows(1, 7), 0)
    assert window_rows(Rows(0, 1), in_h=4, k_h=2, stride=2, dil=1, pad_top=0) == (Rows(0, 2), 0)  # pooling


def test_pad_rows_split_the_padding_between_patches():
    assert pad_rows(Rows(0, 3), in_h=5, before=2) == (Rows(0, 1), 2, 0)
    assert pad_rows(Rows(3, 6), in_h=5, before=2) == (Rows(1, 4), 0, 0)
    assert pad_rows(Rows(6, 8), in_h=5, before=2) == (Rows(4, 5), 0, 1)


def test_split_rows_is_even_and_covers_everything():
    assert split_rows(10, 3) == (Rows(0, 4), Rows(4, 7), Rows(7, 10))
    for h in range(2, 30):
        for p in range(2, h + 1):
            parts = split_rows(h, p)
            assert parts[0].lo == 0 and parts[-1].hi == h and all(a.hi == b.lo for a, b in zip(parts, parts[1:]))
            assert max(r.count for r in parts) - min(r.count for r in parts) <= 1


def test_recomputed_macs_are_the_halo_rows(small_cnn):
    m = _compile(small_cnn, MemoryMode.SPEED)
    steps = list(m.steps)
    assert [s.opcode for s in steps[:3]] == ["CONV_2D", "CONV_2D", "DEPTHWISE_CONV_2D"]
    macs = {s.op_index: s.macs for s in steps}
    plan = plan_stage(m.graph, steps, 0, 1, 2, macs.__getitem__)
    assert plan is not None and plan.ops == (steps[0].op_index, steps[1].op_index)
    # the 1x1 conv's 18 rows in patches of 9: it needs the same rows of the first conv, no halo
    assert plan.recomputed_macs == 0
    plan = plan_stage(m.graph, steps, 0, 2, 2, macs.__getitem__)
    assert plan is not None
    # the depthwise 3x3 (SAME) output's rows 0..8 and 9..17 need rows 0..9 and 8..17 of the 1x1
    # conv's output and so of the first conv's: rows 8 and 9 of both are computed twice (20 of 18)
    assert plan.recomputed_macs == sum(s.macs * 20 // 18 - s.macs for s in steps[:2])
    sg = m.graph.main
    t0, t1 = (sg.operators[s.op_index].outputs[0] for s in steps[:2])
    assert plan.buffers == ((t0, 10 * 16 * 8), (t1, 10 * 16 * 32))


# --- what the planner picks ----------------------------------------------------------------------

def test_ram_runs_the_first_layers_in_patches_and_shrinks_the_arena(small_cnn):
    speed, ram = _compile(small_cnn, MemoryMode.SPEED), _compile(small_cnn, MemoryMode.RAM)
    assert speed.patches == () and len(ram.patches) == 1
    stage = ram.patches[0]
    assert stage.patches >= 2 and stage.recomputed_macs > 0 and ram.recomputed_macs == stage.recomputed_macs
    assert ram.arena_bytes < speed.arena_bytes
    head = next(s for s in ram.steps if s.op_index == stage.ops[0])
    assert f"in {stage.patches} patches" in head.summary and len(head.calls) == stage.patches * len(stage.ops)
    assert all(s.calls == () and "patches" in s.summary for s in ram.steps if s.op_index in stage.ops[1:])
    assert ram.macs == speed.macs  # the model's MACs; the recomputed ones are counted apart
    assert "ADD" in [s.opcode for s in ram.steps if s.op_index in stage.ops]  # the residual, patch by patch


def test_balanced_patches_only_past_the_budget_and_recomputes_least(small_cnn):
    speed, ram = _compile(small_cnn, MemoryMode.SPEED), _compile(small_cnn, MemoryMode.RAM)
    assert _compile(small_cnn, MemoryMode.BALANCED).patches == ()                  # no board limit
    assert _compile(small_cnn, MemoryMode.BALANCED, budget=speed.arena_bytes).patches == ()
    budget = (speed.arena_bytes + ram.arena_bytes) // 2
    mid = _compile(small_cnn, MemoryMode.BALANCED, budget=budget)
    assert len(mid.patches) == 1 and mid.arena_bytes <= budget
    assert mid.recomputed_macs <= ram.recomputed_macs
    # a budget nothing meets: as little RAM as patches give
    assert _compile(small_cnn, MemoryMode.BALANCED, budget=1).arena_bytes == ram.arena_bytes


@pytest.mark.parametrize("variant", ["reference", "dsp"])
@pytest.mark.parametrize("memory", [MemoryMode.RAM, MemoryMode.SPEED])
def test_small_cnn_bit_exact_on_host(small_cnn, variant, memory):
    assert bool(_compile(small_cnn, memory, variant=variant).patches) == (memory == MemoryMode.RAM)
    res = compare_bytes(small_cnn, "patch_small_cnn", samples=5, variant=variant, memory=memory)
    assert res.mismatches == 0, res


@pytest.mark.parametrize("name", ["visual_wake_words", "image_classification"])
def test_shared_models_patched_bit_exact_on_host(name):
    model = (SHARED_MODELS / f"{name}.tflite").read_bytes()
    assert _compile(model, MemoryMode.RAM, variant="dsp").arena_bytes <= _compile(model, MemoryMode.SPEED,
                                                                                    variant="dsp").arena_bytes
    res = compare_bytes(model, name, samples=3, variant="dsp", memory=MemoryMode.RAM)
    assert res.mismatches == 0, res


@pytest.mark.parametrize("path", sorted(SHARED_MODELS.glob("*.tflite")), ids=lambda p: p.stem)
def test_the_default_never_patches_without_a_board_limit(path: Path):
    """`balanced` only patches a model that does not fit: without a budget, the arena is speed's."""
    graph = read_model_bytes(path.read_bytes(), source=path.name)
    m = compile_model(graph)
    assert m.patches == () and m.arena_bytes == compile_model(graph, options=GenerateOptions(
        memory=MemoryMode.SPEED)).arena_bytes


def test_a_patched_step_scratch_holds_its_largest_call(small_cnn):
    """The stage's kernels share the step's scratch buffers (named alike): sized for the largest."""
    from codegen.lowering import _timeline
    from codegen.ops.base import Scratch, scratch_key
    m = _compile(small_cnn, MemoryMode.RAM, variant="dsp")
    head = next(s for s in m.steps if s.op_index == m.patches[0].ops[0])
    sizes = [v.nbytes for c in head.calls for _, v in c.params if isinstance(v, Scratch)]
    assert len(set(sizes)) > 1  # a 1x1 convolution's and a depthwise's
    timeline = _timeline(m.graph, {0: list(m.steps)})
    assert timeline.scratch[scratch_key(0, head.op_index, "scratch")] == max(sizes)
