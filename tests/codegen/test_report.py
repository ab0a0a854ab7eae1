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
        "ram_headroom", "ram_regions", "params_symbols", "placement", "sections", "inputs", "outputs", "memory_option",
        "patches", "recomputed_macs"}


def test_build_report_round_trips(tmp_path):
    project, fw = built("mps2-an386", DEFAULT_MODEL, root=tmp_path)
    rep = write_report(project, fw)
    d = json.loads((project.dir / "report.json").read_text())
    assert set(d) == KEYS and d == rep.to_json()
    assert read_report(project.dir) == rep == BuildReport.from_json(d)
    assert rep.kernel_variant == "dsp" and rep.code_bytes == rep.flash_bytes - rep.model_data_bytes
    assert rep.ram_regions[0].used <= rep.ram_regions[0].size and rep.memory().flash_bytes == rep.flash_bytes
    assert read_report(tmp_path / "nothing") is None


def test_a_foreign_report_json_is_refused_with_the_fix(tmp_path):
    (tmp_path / "report.json").write_text(json.dumps({"board": "x", "flash_bytes": 1}))
    with pytest.raises(McuforgeError, match="not a report.json of this mcuforge") as e:
        read_report(tmp_path)
    assert "build again" in e.value.hint
