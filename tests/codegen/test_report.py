"""report.json: one typed BuildReport writes and reads it; the file's keys stay what they were."""

from __future__ import annotations

import json

import pytest

from codegen.errors import McuforgeError
from codegen.report import BuildReport, read_report, write_report
from support.firmware import built
from support.paths import DEFAULT_MODEL

KEYS = {"mcuforge", "board", "model", "model_sha256", "prefix", "kernel_variant", "int8_io", "flash_bytes",
        "ram_bytes", "arena_bytes", "code_bytes", "weights_bytes", "params_bytes", "model_data_bytes", "stack_bytes",
        "macs", "ops", "n_ops", "kernels", "flash_budget", "flash_origin", "ram_budget", "flash_headroom",
        "ram_headroom", "ram_regions", "params_symbols", "placement", "sections", "inputs", "outputs",
        "scratch_bytes", "state_bytes", "peak_ram_bytes", "peak_ram", "harness_ram_bytes", "timeline", "peak_step",
        "memory_option", "patches", "recomputed_macs"}


def test_build_report_round_trips(tmp_path):
    project, fw = built("mps2-an386", DEFAULT_MODEL, root=tmp_path)
    rep = write_report(project, fw)
    d = json.loads((project.dir / "report.json").read_text())
    assert set(d) == KEYS and d == rep.to_json()
    assert read_report(project.dir) == rep == BuildReport.from_json(d)
    assert rep.kernel_variant == "dsp" and rep.code_bytes == rep.flash_bytes - rep.model_data_bytes
    assert rep.ram_regions[0].used <= rep.ram_regions[0].size and rep.memory().flash_bytes == rep.flash_bytes
    assert read_report(tmp_path / "nothing") is None


def test_peak_ram_in_report_json(tmp_path):
    """report.json carries the model's peak RAM (arena + static scratch + the reserved stack, labelled so,
    + state), the harness's RAM apart, and the arena's bytes alive per operator with the peak step; a
    measured stack replaces the reservation; a report.json from before these keys still reads."""
    from codegen.peakram import memory_timeline, model_ram
    project, fw = built("stm32l475", DEFAULT_MODEL, root=tmp_path)
    rep = write_report(project, fw)
    d = json.loads((project.dir / "report.json").read_text())
    own = model_ram(project.compiled)
    assert (rep.scratch_bytes, rep.state_bytes) == (own.scratch_bytes, own.state_bytes)
    assert d["peak_ram"]["stack"] == "reserved" and d["peak_ram"]["stack_bytes"] == rep.stack_bytes == 4096
    assert d["peak_ram_bytes"] == rep.arena_bytes + rep.scratch_bytes + 4096 + rep.state_bytes
    # the model's and the harness's static RAM add up to the firmware's (with the stack reservation)
    assert d["harness_ram_bytes"] > 0
    assert d["peak_ram_bytes"] + d["harness_ram_bytes"] == rep.ram_bytes
    measured = rep.peak_ram(700)
    assert measured.stack == "measured" and measured.total == d["peak_ram_bytes"] - 4096 + 700
    tl = memory_timeline(project.compiled)
    assert rep.timeline == tl.points() and rep.peak_step == tl.peak_step and len(d["timeline"]) == len(tl.steps)
    old = {k: v for k, v in d.items() if k in KEYS - {"scratch_bytes", "state_bytes", "peak_ram_bytes", "peak_ram",
                                                       "harness_ram_bytes", "timeline", "peak_step"}}
    legacy = BuildReport.from_json(old)
    assert legacy.timeline == () and legacy.peak_ram().total == rep.arena_bytes + 4096


def test_a_foreign_report_json_is_refused_with_the_fix(tmp_path):
    (tmp_path / "report.json").write_text(json.dumps({"board": "x", "flash_bytes": 1}))
    with pytest.raises(McuforgeError, match="not a report.json of this mcuforge") as e:
        read_report(tmp_path)
    assert "build again" in e.value.hint
