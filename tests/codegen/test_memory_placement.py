"""Extra RAM regions: when the main RAM cannot hold the arena and the input staging buffer, the
largest that fits goes to an extra region (SRAM2 on the STM32L475), the firmware links and runs
bit-exact, and report.json accounts for each region."""

from __future__ import annotations

import json

import pytest

from codegen.boards import load_board
from codegen.fit import place
from support.device_compare import compare_on_device
from support.firmware import built
from support.tfmodels import Case, convert


def test_placement_rule():
    b = load_board("stm32l475")  # 96 KB main RAM + 32 KB sram2
    assert place(b, arena=40_000, staging=20_000, fixed=8_192).staging is None  # everything fits: stay
    p = place(b, arena=61_448, staging=30_720, fixed=8_192)
    assert p.arena is None and p.staging == "sram2"
    p = place(b, arena=30_000, staging=70_000, fixed=8_192)
    assert p.staging is None and p.arena == "sram2"
    assert place(load_board("mps2-an505"), 10, 10, 10) == place(load_board("host"), 10, 10, 10)


def _wide_pointwise(tmp_path):
    case = Case(name="pointwise_48x80x8_to_16", inputs=((48, 80, 8),),
                build=lambda tf: tf.keras.Sequential([tf.keras.Input((48, 80, 8), batch_size=1),
                                                      tf.keras.layers.Conv2D(16, 1)]))
    path = tmp_path / "pointwise.tflite"
    path.write_bytes(convert(case, "int8"))
    return path


@pytest.mark.qemu
def test_staging_in_sram2_runs_bit_exact(tmp_path):
    project, fw = built("stm32l475", _wide_pointwise(tmp_path), root=tmp_path)
    assert project.fit.placement.staging == "sram2"
    assert '__attribute__((section(".sram2")))' in (project.dir / "src" / "mf_app.h").read_text()
    from codegen.report import write_report
    rep = write_report(project, fw).to_json()
    assert rep["ram_regions"]["sram2"]["used"] >= 30_720
    assert rep["ram_regions"]["ram"]["used"] <= rep["ram_regions"]["ram"]["size"]
    assert json.loads((project.dir / "report.json").read_text())["placement"]["input_staging"] == "sram2"
    res = compare_on_device(project, fw, samples=2)
    assert res.mismatches == 0, res
