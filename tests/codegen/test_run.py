"""`run`: the typed result and its run.json, and `scons run`'s report beside it (on QEMU)."""

from __future__ import annotations

import json

from codegen.cli_show import run_and_show
from codegen.hil.gpio import PinTiming
from codegen.options import RunOptions, TargetOptions
from codegen.peakram import PeakRam, StackSource
from codegen.cycles.costs import cost_table
from codegen.cycles.counts import EventCounts
from codegen.cycles.events import Event
from codegen.run import (CycleEstimate, FunctionEstimate, LayerTime, RunFailure, RunResult, Stats, StateStep,
                         latency_us, read_run, write_run)
from codegen.hil.records import CountUnit
from support.firmware import built
from support.paths import DEFAULT_MODEL


def test_result_round_trips_through_run_json(tmp_path):
    r = RunResult(board="b", n=2, counts=(10, 12), unit="instructions", per_tick=40.0, clock_hz=25_000_000,
                  per_inference=Stats.of([400.0, 480.0]), profile=(LayerTime(0, "CONV_2D", "s", 9, 10, 400.0),),
                  pin=PinTiming("QEMU trace x", 3, 3, True), states=(StateStep("built", "flashed", 0.1, ""),),
                  failure=RunFailure("timeout", "no reply"),
                  peak_ram=PeakRam(arena_bytes=320, scratch_bytes=320, stack_bytes=692, state_bytes=0,
                                   stack=StackSource.MEASURED))
    write_run(r, tmp_path / "run.json")
    d = json.loads((tmp_path / "run.json").read_text())
    assert d["instructions_per_inference"] == d["per_inference"] and d["complete"] is False
    assert d["peak_ram_bytes"] == d["peak_ram"]["peak_ram_bytes"] == 1332 and d["peak_ram"]["stack"] == "measured"
    assert d["profile"][0]["op"] == "CONV_2D"
    assert read_run(tmp_path / "run.json") == r
    assert r.values() == [400.0, 480.0] and r.micros() == [16.0, 19.2]


def test_estimated_cycles_round_trip_and_sit_at_the_top_of_run_json(tmp_path):
    est = CycleEstimate(label="estimate", table="cortex-m4", title="t", file="boards/timing/cortex-m4.toml",
                        ignores=("wait states",), per_inference=Stats.of([800.0]), latency_us=Stats.of([10.0]),
                        clock_hz=80_000_000, instructions=Stats.of([500.0]), classes={"alu": 500},
                        functions=(FunctionEstimate("mf_conv", 500, 800.0),))
    r = RunResult(board="b", n=1, counts=(40,), unit="instructions", per_tick=12.5, estimated_cycles=est,
                  profile=(LayerTime(0, "CONV_2D", "s", 9, 40, 500.0, estimated_cycles=800.0),))
    write_run(r, tmp_path / "run.json")
    d = json.loads((tmp_path / "run.json").read_text())
    assert d["estimated_cycles_per_inference"]["p50"] == 800.0 and d["estimated_latency_us"]["p99"] == 10.0
    assert d["estimated_cycles"]["label"] == "estimate" and d["profile"][0]["estimated_cycles"] == 800.0
    assert read_run(tmp_path / "run.json") == r
    assert json.loads(json.dumps(RunResult(board="b").to_json()))["estimated_cycles_per_inference"] is None


def test_latency_in_microseconds():
    assert latency_us([25], CountUnit("instructions", 40.0, 25_000_000, "")).p50 == 40.0
    assert latency_us([2500], CountUnit("ns", 1.0, 1_000_000_000, "")).p50 == 2.5
    assert latency_us([1], CountUnit("cycles", 1.0, 0, "")) is None


def test_scons_run_writes_run_json_and_report(tmp_path, capsys):
    from codegen.report import write_report
    project, fw = built("mps2-an386", DEFAULT_MODEL, root=tmp_path)
    write_report(project, fw)  # what `scons` writes after the build
    for f in ("run.json", "report.md", "latency.png", "layers.png", "memory.png", "timeline.png"):
        (project.dir / f).unlink(missing_ok=True)
    res = run_and_show(project, RunOptions(n=5, gpio_trace=True, target=TargetOptions(target="emulator")))
    assert res.complete and res.pin.ok and len(res.profile) == len(project.compiled.steps)
    d = json.loads((project.dir / "run.json").read_text())
    assert d["unit"] == "instructions" and d["memory"]["flash_bytes"] and d["pin"]["observed"] == 6 + 7
    md = (project.dir / "report.md").read_text()
    assert "## Per-layer profile" in md and "FULLY_CONNECTED" in md and "![memory map](memory.png)" in md
    for png in ("latency.png", "layers.png", "memory.png", "timeline.png"):
        assert (project.dir / png).read_bytes()[:4] == b"\x89PNG"
    # the model's peak RAM with the stack this run painted and measured, in run.json and on the terminal
    peak = d["peak_ram"]
    assert peak["stack"] == "measured" and peak["stack_bytes"] == res.stack_used_bytes == d["stack_used_bytes"] > 0
    assert peak["peak_ram_bytes"] == d["peak_ram_bytes"] == (peak["arena_bytes"] + peak["scratch_bytes"]
                                                              + peak["stack_bytes"] + peak["state_bytes"])
    assert peak["arena_bytes"] == project.compiled.arena_bytes and "![memory over one inference](timeline.png)" in md
    # estimated cycles: the plugin's instructions are the counter's (within one 40-instruction SysTick tick
    # of mps2-an386), the estimate is the Cortex-M4 table applied to the classes it counted
    est = res.estimated_cycles
    assert est is not None and est.table == "cortex-m4" and est.label == "estimate"
    assert abs(est.instructions.p50 - res.per_inference.p50) <= res.per_tick
    classes = EventCounts.of({Event(k): v for k, v in est.classes.items()})
    assert classes.instructions == est.instructions.p50
    assert est.per_inference.p50 == cost_table("cortex-m4").cycles(classes) > est.instructions.p50
    assert est.latency_us.p50 == est.per_inference.p50 / 25e6 * 1e6        # mps2-an386 runs at 25 MHz
    assert est.functions and est.functions[0].estimated_cycles >= est.functions[-1].estimated_cycles
    assert all(p.estimated_cycles is not None and p.estimated_cycles >= p.value - res.per_tick for p in res.profile)
    assert d["estimated_cycles_per_inference"]["p50"] == est.per_inference.p50
    assert "estimated cycles" in md and "**estimate**" in md and "boards/timing/cortex-m4.toml" in md
    out = capsys.readouterr().out
    assert f"  est. cycles    {est.per_inference.p50:,.0f} per inference" in out and "an estimate" in out
    assert "  peak RAM       " in out and "(measured)" in out


def test_scons_run_logic_option_uses_the_hardware_map(tmp_path):
    """`scons run logic=1 hwmap=PATH`: the analyzer named for this board (sigrok's demo driver here)
    captures during the timed inferences; its result lands in run.json and the report."""
    import shutil
    import pytest
    if shutil.which("sigrok-cli") is None:
        pytest.skip("sigrok-cli is not installed")
    hw = tmp_path / "hw.toml"
    hw.write_text('[[target]]\nboard = "mps2-an386"\n[target.logic]\ndriver = "demo"\nchannel = "D0"\n'
                  'samplerate = 100000\narm_seconds = 0.2\n')
    project, _ = built("mps2-an386", DEFAULT_MODEL, root=tmp_path)
    res = run_and_show(project, RunOptions(n=2, logic=True, target=TargetOptions(target="emulator", hwmap=hw)))
    assert res.pin.source == "logic analyzer demo D0 at 100 kHz" and (project.dir / "timing-pin.sr").is_file()
    assert json.loads((project.dir / "run.json").read_text())["pin"]["expected"] == 3
    assert "## Timing pin" in (project.dir / "report.md").read_text()


def test_a_failed_run_keeps_the_last_good_run_json(tmp_path, monkeypatch):
    """Nothing lost: a failed run writes run.failed.json (with the signal that ended the target and its
    log) and report.failed.md beside the last good run.json and report.md, which stay byte for byte;
    the next good run replaces the good set and removes the failure's files."""
    import pytest

    from codegen.hil.dut import Device
    from codegen.run import RunFailed
    project, _ = built("host", DEFAULT_MODEL, root=tmp_path)
    good = run_and_show(project, RunOptions(n=2))
    assert good.complete
    kept = {f: (project.dir / f).read_bytes() for f in ("run.json", "report.md", "report.html", "latency.png")}
    real_stack = Device.stack
    monkeypatch.setattr(Device, "stack", lambda self: self.selftest("hardfault", timeout=5))
    with pytest.raises(RunFailed):
        run_and_show(project, RunOptions(n=2))
    assert {f: (project.dir / f).read_bytes() for f in kept} == kept
    failed = json.loads((project.dir / "run.failed.json").read_text())
    assert failed["complete"] is False and failed["failure"]["kind"] == "gone"
    # the host firmware traps (SIGILL): the real signal, never "killed (exit 0)"
    assert failed["failure"]["signal"] == "SIGILL" and failed["failure"]["ended"] == "killed by SIGILL"
    assert failed["failure"]["exit_code"] is None
    assert failed["states"][-1]["note"] == "killed by SIGILL"
    md = (project.dir / "report.failed.md").read_text()
    assert "## FAILED" in md and "killed by SIGILL" in md and "latency.failed.png" in md
    assert (project.dir / "latency.failed.png").is_file() and not list(project.dir.glob(".staging-*"))
    assert "killed by SIGILL" in (project.dir / "report.failed.html").read_text()
    monkeypatch.setattr(Device, "stack", real_stack)
    again = run_and_show(project, RunOptions(n=3))
    assert again.complete and json.loads((project.dir / "run.json").read_text())["n"] == 3
    assert not [p.name for p in project.dir.glob("*.failed.*")]


def test_an_interrupted_run_is_recorded_and_stops_the_target(tmp_path, monkeypatch):
    """Ctrl-C during a run: the target is stopped, the run recorded as interrupted in run.failed.json."""
    import pytest

    from codegen.hil.dut import Device
    from codegen.run import RunFailed

    def interrupted(self, *a, **k):
        raise KeyboardInterrupt

    project, _ = built("host", DEFAULT_MODEL, root=tmp_path)
    monkeypatch.setattr(Device, "profile", interrupted)
    with pytest.raises(RunFailed, match="interrupted"):
        run_and_show(project, RunOptions(n=2))
    failed = json.loads((project.dir / "run.failed.json").read_text())
    assert failed["failure"]["kind"] == "interrupted" and len(failed["counts"]) == 2
    assert failed["failure"]["ended"].startswith(("killed by", "exited"))
    assert not (project.dir / "run.json").exists()


def test_run_inputs_from_files_are_checked_against_the_model(tmp_path):
    """input=/sample=: rows picked from .npz/.npy, converted to the input's type, refused otherwise."""
    import numpy as np
    import pytest

    from codegen.errors import McuforgeError
    from codegen.run import run_inputs
    project, _ = built("host", DEFAULT_MODEL, root=tmp_path)
    samples = np.load(DEFAULT_MODEL.with_suffix(".samples.npz"))
    src = run_inputs(project, RunOptions(sample=7))
    assert np.array_equal(src.arrays[0], samples["x"][7].reshape(1, 8, 8, 1)) and src.label == int(samples["y"][7])
    np.save(tmp_path / "one.npy", samples["x"][3])
    src = run_inputs(project, RunOptions(input=tmp_path / "one.npy"))
    assert np.array_equal(src.arrays[0].reshape(-1), samples["x"][3].reshape(-1)) and src.label is None
    np.save(tmp_path / "wide.npy", np.full((2, 8, 8, 1), 1000, np.int32))
    with pytest.raises(McuforgeError, match=r"int32\[2x8x8x1\], values 1000..1000, outside the range"):
        run_inputs(project, RunOptions(input=tmp_path / "wide.npy"))
    with pytest.raises(McuforgeError, match=r"sample=2: one.npy holds 1 samples"):
        run_inputs(project, RunOptions(input=tmp_path / "one.npy", sample=2))
    with pytest.raises(McuforgeError, match="sample=400: digits_cnn.samples.npz holds 297 samples"):
        run_inputs(project, RunOptions(sample=400))


def test_the_cycle_plugin_goes_only_where_qemu_and_a_timing_table_are(tmp_path):
    from dataclasses import replace
    from codegen.boards import CORES, load_board
    from codegen.run import cycle_probe
    _, elf = built("mps2-an386", DEFAULT_MODEL)
    probe = cycle_probe(load_board("mps2-an386"), elf)
    assert probe is not None and probe.ranges and probe.out.parent == elf.parent / "cycles"
    assert cycle_probe(replace(load_board("mps2-an386"), core=CORES["cortex-m3"]), elf) is None  # no table
    assert cycle_probe(load_board("host"), elf) is None                                       # no QEMU


def test_readme_run_output_matches_a_run_of_the_default_model(tmp_path, capsys):
    """README's `scons run` block: its timing lines (instructions, estimated cycles, the profile) are
    what a run of the default model on the emulated STM32L475 prints (QEMU -icount: deterministic)."""
    import re
    from support.paths import ROOT
    block = re.search(r"^ran digits_cnn\.tflite on stm32l475:.*?^```", (ROOT / "README.md").read_text(),
                      flags=re.M | re.S).group(0)
    wanted = [line for line in block.splitlines()
              if re.match(r"  (instructions|est\. cycles|profile|latency) ", line) or re.match(r" {17}#\d", line)]
    assert any(w.startswith("  est. cycles") for w in wanted) and len(wanted) >= 5
    project, _ = built("stm32l475", DEFAULT_MODEL, root=tmp_path)
    capsys.readouterr()
    run_and_show(project, RunOptions(target=TargetOptions(target="emulator")))
    printed = capsys.readouterr().out.splitlines()
    assert [line for line in wanted if line not in printed] == []
