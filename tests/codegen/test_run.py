"""`run`: the typed result and its run.json, and `scons run`'s report beside it (on QEMU)."""

from __future__ import annotations

import json

from codegen.cli_show import run_and_show
from codegen.hil.gpio import PinTiming
from codegen.run import (LayerTime, RunFailure, RunResult, Stats, StateStep, latency_us, read_run, write_run)
from codegen.hil.records import CountUnit
from support.firmware import built
from support.paths import DEFAULT_MODEL


def test_result_round_trips_through_run_json(tmp_path):
    r = RunResult(board="b", n=2, counts=(10, 12), unit="instructions", per_tick=40.0, clock_hz=25_000_000,
                  per_inference=Stats.of([400.0, 480.0]), profile=(LayerTime(0, "CONV_2D", "s", 9, 10, 400.0),),
                  pin=PinTiming("QEMU trace x", 3, 3, True), states=(StateStep("built", "flashed", 0.1, ""),),
                  failure=RunFailure("timeout", "no reply"))
    write_run(r, tmp_path / "run.json")
    d = json.loads((tmp_path / "run.json").read_text())
    assert d["instructions_per_inference"] == d["per_inference"] and d["complete"] is False
    assert d["profile"][0]["op"] == "CONV_2D"
    assert read_run(tmp_path / "run.json") == r
    assert r.values() == [400.0, 480.0] and r.micros() == [16.0, 19.2]


def test_latency_in_microseconds():
    assert latency_us([25], CountUnit("instructions", 40.0, 25_000_000, "")).p50 == 40.0
    assert latency_us([2500], CountUnit("ns", 1.0, 1_000_000_000, "")).p50 == 2.5
    assert latency_us([1], CountUnit("cycles", 1.0, 0, "")) is None


def test_scons_run_writes_run_json_and_report(tmp_path):
    from codegen.report import write_report
    project, fw = built("mps2-an386", DEFAULT_MODEL, root=tmp_path)
    write_report(project, fw)  # what `scons` writes after the build
    for f in ("run.json", "report.md", "latency.png", "layers.png", "memory.png"):
        (project.dir / f).unlink(missing_ok=True)
    res = run_and_show(project, {"n": "5", "gpio_trace": "1", "target": "emulator"})
    assert res.complete and res.pin.ok and len(res.profile) == len(project.compiled.steps)
    d = json.loads((project.dir / "run.json").read_text())
    assert d["unit"] == "instructions" and d["memory"]["flash_bytes"] and d["pin"]["observed"] == 6 + 7
    md = (project.dir / "report.md").read_text()
    assert "## Per-layer profile" in md and "FULLY_CONNECTED" in md and "![memory by component](memory.png)" in md
    for png in ("latency.png", "layers.png", "memory.png"):
        assert (project.dir / png).read_bytes()[:4] == b"\x89PNG"


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
    res = run_and_show(project, {"n": "2", "logic": "1", "hwmap": str(hw), "target": "emulator"})
    assert res.pin.source == "logic analyzer demo D0 at 100 kHz" and (project.dir / "timing-pin.sr").is_file()
    assert json.loads((project.dir / "run.json").read_text())["pin"]["expected"] == 3
    assert "## Timing pin" in (project.dir / "report.md").read_text()
