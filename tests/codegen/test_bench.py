"""The benchmark (`scons bench`): the arena target against TFLM on every shared model, the committed
BENCHMARKS.md agreeing with a fresh measurement (QEMU -icount counts are deterministic, so this is an
equality, not a timing), and the tables marking targets met and missed."""

from __future__ import annotations

import json
import re

import pytest

from codegen.bench import (ANCHORS, ARENA_TARGET, STACK_TARGET, TARGETS, TFLM_ARENA_X86, TFLM_ESTIMATED_CYCLES_M4,
                           BenchRecord, BenchRow, OpTypeCount,
                           measure, render)
from codegen.boards import load_board
from codegen.boards.cores import CORES
from codegen.generate import compile_model
from codegen.pio.project import BuildOptions
from support.paths import ROOT, SHARED_MODELS

MODELS = sorted(p.stem for p in SHARED_MODELS.glob("*.tflite"))


def tflm_arena(name: str) -> int:
    if name in ANCHORS:
        return ANCHORS[name][1]
    return TFLM_ARENA_X86[name]


def test_every_shared_model_has_a_tflm_arena_figure():
    assert MODELS and all(m in ANCHORS or m in TFLM_ARENA_X86 for m in MODELS)


@pytest.mark.parametrize("core", ["host", "cortex-m4f"])
@pytest.mark.parametrize("name", MODELS)
def test_arena_is_at_most_three_quarters_of_tflms(name, core):
    m = compile_model(SHARED_MODELS / f"{name}.tflite", CORES[core].target)
    assert 0 < m.arena_bytes <= ARENA_TARGET * tflm_arena(name), \
        f"{name} on {core}: arena {m.arena_bytes} B, TFLM {tflm_arena(name)} B"


def committed_counts(model: str, board: str) -> tuple[int, int]:
    """The instructions and estimated cycles BENCHMARKS.md states for a model on a board (its first
    per-core table row)."""
    text = (ROOT / "BENCHMARKS.md").read_text()
    # model | board | options | MACs | instructions | est. cycles | MACs/instr (a decimal: not the peak RAM table)
    m = re.search(rf"^\| {re.escape(model)} \| {re.escape(board)} \| - \| [\d,]+ \| ([\d,]+) \| ([\d,]+) \| \d+\.\d+ \|",
                  text, flags=re.M)
    assert m, f"BENCHMARKS.md has no row for {model} on {board}: regenerate it with `scons bench`"
    return int(m.group(1).replace(",", "")), int(m.group(2).replace(",", ""))


def committed_op_type(model: str, op: str) -> tuple[int, int, int]:
    """(ops, MACs, instructions) BENCHMARKS.md states for a model's operator type (Cortex-M4)."""
    text = (ROOT / "BENCHMARKS.md").read_text()
    m = re.search(rf"^\| {re.escape(model)} \| {re.escape(op)} \| (\d+) \| ([\d,]+) \| ([\d,]+) \|", text,
                  flags=re.M)
    assert m, f"BENCHMARKS.md has no {op} row for {model}: regenerate it with `scons bench`"
    return tuple(int(g.replace(",", "")) for g in m.groups())  # type: ignore[return-value]


@pytest.mark.qemu
def test_a_fresh_measurement_reproduces_benchmarks_md(tmp_path):
    row = measure(load_board("stm32l475"), SHARED_MODELS / "anomaly_detection.tflite", BuildOptions(), tmp_path)
    assert (row.instructions, row.estimated_cycles) == committed_counts("anomaly_detection", "stm32l475")
    assert row.timing == "cortex-m4" and row.estimated_cycles > row.instructions
    assert row.macs == 264_192 and row.macs_per_instruction == pytest.approx(row.macs / row.instructions)
    assert 0 < row.stack_used_bytes < row.ram_bytes and row.code_bytes + row.weights_bytes <= row.flash_bytes
    # peak RAM: the arena, the static scratch and state from report.json, the stack this run measured
    assert (row.scratch_bytes, row.state_bytes) == (0, 0) and row.peak_ram.stack == "measured"
    assert row.peak_ram.total == row.arena_bytes + row.stack_used_bytes < row.ram_bytes
    fc = next(t for t in row.op_types if t.op == "FULLY_CONNECTED")
    assert (fc.count, fc.macs, fc.instructions) == committed_op_type("anomaly_detection", "FULLY_CONNECTED")
    assert sum(t.macs for t in row.op_types) == row.macs


def _row(model: str, instructions: int, arena: int, code: int = 20_000, estimated: int | None = None,
         core: str = "Cortex-M4", stack: int = 512, op_types: tuple = ()) -> BenchRow:
    return BenchRow(model=model, core=core, board="stm32l475", options="", macs=1_000_000,
                    instructions=instructions, macs_per_instruction=1_000_000 / instructions, code_bytes=code,
                    weights_bytes=1000, params_bytes=100, arena_bytes=arena, stack_used_bytes=stack,
                    ram_bytes=4096, flash_bytes=code + 1100, estimated_cycles=estimated,
                    timing="cortex-m4" if estimated else "", op_types=op_types)


def test_tables_mark_targets_met_and_missed():
    kws_target, ad_target = TARGETS["keyword_spotting"], TARGETS["anomaly_detection"]
    dw = OpTypeCount("DEPTHWISE_CONV_2D", 4, 288_000, 500_000)
    rows = [_row("keyword_spotting", kws_target, ANCHORS["keyword_spotting"][1] // 2, code=26 * 1024,
                 stack=STACK_TARGET + 1, op_types=(OpTypeCount("CONV_2D", 5, 712_000, 480_000), dw)),
            _row("anomaly_detection", ad_target + 1, ANCHORS["anomaly_detection"][1])]
    md = render(rows, "scons bench")
    assert "Regenerate with `scons bench`" in md
    assert re.search(r"^\| keyword_spotting \|.*\| 3\.00M \| yes \|", md, flags=re.M)
    assert re.search(r"^\| anomaly_detection \|.*\| 0\.29M \| no \|", md, flags=re.M)
    assert re.search(r"^\| keyword_spotting \| [\d,]+ \(32-bit\) \| [\d,]+ \| 0\.50 \| yes \|", md, flags=re.M)
    assert re.search(r"^\| anomaly_detection \| [\d,]+ \(32-bit\) \| [\d,]+ \| 1\.00 \| no \|", md, flags=re.M)
    assert "target <= 25 KB: missed" in md
    # MACs per instruction by operator type, largest first, and the depthwise target
    assert re.search(r"^\| keyword_spotting \| DEPTHWISE_CONV_2D \| 4 \| 288,000 \| 500,000 \| 0\.576 \| 51\.0% \|",
                     md, flags=re.M)
    assert md.index("| keyword_spotting | DEPTHWISE_CONV_2D |") < md.index("| keyword_spotting | CONV_2D |")
    assert "DEPTHWISE_CONV_2D: 0.576 MACs per instruction (target >= 0.6: missed)" in md
    # the stack high-water against its target where there is one
    assert re.search(rf"^\| keyword_spotting \| stm32l475 \| - \| {STACK_TARGET + 1:,} B \| {STACK_TARGET:,} B \| no \|",
                     md, flags=re.M)
    assert re.search(r"^\| anomaly_detection \| stm32l475 \| - \| 512 B \| - \| - \|", md, flags=re.M)


def test_peak_ram_table_adds_arena_scratch_stack_and_state():
    """Peak RAM per Cortex-M4 row (arena + static scratch + measured stack + state) beside the firmware's
    static RAM, in BENCHMARKS.md's own table and the per-core table; a row from a record made before
    scratch and state were kept shows "-" rather than a number that leaves them out."""
    from dataclasses import replace
    new = replace(_row("image_classification", 9_000_000, 33_296, stack=1_100), scratch_bytes=624, state_bytes=16)
    old = _row("keyword_spotting", 3_000_000, 10_480, stack=1_200)
    assert new.peak_ram.total == 33_296 + 624 + 1_100 + 16 and old.peak_ram is None
    md = render([new, old], "scons bench")
    assert "### Peak RAM (Cortex-M4)" in md
    assert re.search(r"^\| image_classification \| stm32l475 \| - \| 33,296 \| 624 \| 1,100 \| 16 \| 35,036 \| 4,096 \|$",
                     md, flags=re.M)
    assert re.search(r"^\| keyword_spotting \| stm32l475 \| - \| 10,480 \| - \| 1,200 \| - \| - \| 4,096 \|$", md,
                     flags=re.M)
    assert re.search(r"^\| image_classification \| stm32l475 \| - \|.*\| 1\.1 KB \| 34\.2 KB \| 4 KB \|$", md, flags=re.M)
    # the record keeps them: a row goes through BENCHMARKS.json unchanged
    assert BenchRecord.from_json(json.loads(json.dumps(BenchRecord((new, old)).to_json()))).rows == (new, old)


def test_estimated_cycles_are_labelled_and_set_beside_tflm_and_published_silicon():
    kws = TFLM_ESTIMATED_CYCLES_M4["keyword_spotting"]
    md = render([_row("keyword_spotting", 3_000_000, 10_000, estimated=kws // 2),
                 _row("keyword_spotting", 3_000_000, 10_000, estimated=3_600_000, core="Cortex-M33")], "scons bench")
    assert "## Estimated cycles (estimates, not measurements)" in md
    assert re.search(r"^\| keyword_spotting \| 3\.00M \| 4\.63M \| 1\.54 \| 9\.27M \| 0\.50 \|", md, flags=re.M)
    # published latencies are measured on silicon and say so; ours are converted at that board's clock
    assert "**measured on real boards**" in md
    assert re.search(r"^\| Cortex-M4 \| keyword_spotting \| 4\.63M \| 38\.62 \| X-CUBE-AI 10\.2 .*\| STM32L4R5, "
                     r"120 MHz \| 43\.4 \| 5\.21M \|", md, flags=re.M)
    assert re.search(r"^\| Cortex-M33 \| keyword_spotting \| 3\.60M \| 22\.50 \| .*STM32U575, 160 MHz \| 29 \|", md,
                     flags=re.M)
    assert re.search(r"^\| keyword_spotting \| stm32l475 \| - \| 1,000,000 \| 3,000,000 \| 4,635,000 \|", md, flags=re.M)
    assert "est. cycles: an **estimate** (instruction classes x boards/timing/cortex-m4.toml)" in md


def test_without_estimates_the_tables_say_so():
    md = render([_row("keyword_spotting", 3_000_000, 10_000)], "scons bench")
    assert "## Estimated cycles" not in md
    assert re.search(r"^\| keyword_spotting \| stm32l475 \| - \| 1,000,000 \| 3,000,000 \| - \|", md, flags=re.M)


def test_memory_ram_rows_are_set_beside_the_default_build():
    """memory=ram's rows (issue 15): instructions and peak RAM against the same model's default build,
    with the MACs the halos recompute; no table when no model is patched."""
    from dataclasses import replace
    base = replace(_row("image_classification", 11_700_000, 33_296, stack=700), scratch_bytes=600, state_bytes=0)
    ram = replace(_row("image_classification", 15_000_000, 25_000, stack=700), scratch_bytes=600, state_bytes=0,
                  options="memram", recomputed_macs=500_000)
    md = render([base, ram], "scons bench")
    assert "### Trading instructions for RAM: memory=ram (Cortex-M4)" in md
    assert re.search(r"^\| image_classification \| stm32l475 \| - \| 11,700,000 \| 15,000,000 \| 1\.28x \| 34,596 \| "
                     r"26,300 \| 0\.76x \| 500,000 \(50%\) \|$", md, flags=re.M)
    assert "Trading instructions for RAM" not in render([base], "scons bench")
    assert BenchRecord.from_json(json.loads(json.dumps(BenchRecord((base, ram)).to_json()))).rows == (base, ram)


def test_the_bench_plans_memory_ram_only_where_it_patches():
    from codegen.bench import plan
    from codegen.planner.patches import MemoryMode
    models = [SHARED_MODELS / "image_classification.tflite", SHARED_MODELS / "anomaly_detection.tflite"]
    ram = [(m.stem, board) for core, board, _, m, o in plan(models) if o.memory == MemoryMode.RAM]
    assert ram == [("image_classification", "stm32l475")]
    vww = [SHARED_MODELS / "visual_wake_words.tflite"]  # patched only with int8 I/O (float input: 110 KB)
    assert [(o.int8_io, o.memory) for _, _, _, m, o in plan(vww) if o.memory == MemoryMode.RAM] == \
        [(True, MemoryMode.RAM)]
