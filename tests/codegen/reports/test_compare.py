"""The trade-off table: typed variants in, Markdown + JSON + PNG out; variants read from build
directories; and a real float32 vs int8 comparison of one model on the emulated Cortex-M4."""

from __future__ import annotations

import json

import pytest

from codegen.errors import McuforgeError
from codegen.reports.compare import Variant, compare, variant_from_build

INT8 = Variant(name="int8", board="mps2-an386", flash_bytes=20_480, ram_bytes=8_192, arena_bytes=1_024,
               latency=400_000, unit="instructions", latency_us=16_000.0, accuracy=0.95, reference_accuracy=0.95,
               bit_exact=True, macs=10_240)
FP32 = Variant(name="float32", board="mps2-an386", flash_bytes=51_200, ram_bytes=16_384, arena_bytes=4_096,
               latency=1_200_000, unit="instructions", latency_us=48_000.0, accuracy=0.96, reference_accuracy=0.96,
               bit_exact=False)


def test_table_plot_and_json(tmp_path):
    files = compare([FP32, INT8], tmp_path, title="autoencoder: float32 vs int8")
    md = files.markdown.read_text()
    assert md.startswith("# autoencoder: float32 vs int8") and "Baseline: **float32**" in md
    row = next(ln for ln in md.splitlines() if ln.startswith("| int8 |"))
    assert "20 KB (0.40x)" in row and "8 KB (0.50x)" in row and "400,000 (0.33x)" in row and "95.0%" in row
    assert "| **float32** |" in md and "latency (instructions, p50)" in md
    assert files.plot.read_bytes()[:4] == b"\x89PNG" and files.tradeoff.read_bytes()[:4] == b"\x89PNG"
    assert "[compare.html](compare.html)" in md and "![accuracy against latency and flash](tradeoff.png)" in md
    html = files.html.read_text()
    assert '<span class="badge">MISMATCH</span>' in html and "differ from TFLM: float32" in html  # bit_exact False
    assert "float32 (baseline)" in html
    assert html.count('src="data:image/png;base64,') == 2
    data = json.loads(files.json.read_text())
    assert data["baseline"] == "float32" and data["variants"][1] == {**INT8.__dict__}


def test_baseline_and_mixed_units(tmp_path):
    host = Variant(name="host", board="host", flash_bytes=30_000, ram_bytes=10_000, latency=90_000.0, unit="ns")
    md = compare([FP32, INT8, host], tmp_path, baseline="int8", stem="mixed").markdown.read_text()
    assert "Baseline: **int8**" in md and "different units" in md and "90,000 ns" in md
    assert (tmp_path / "mixed.png").is_file()


def test_bad_input_is_refused(tmp_path):
    with pytest.raises(McuforgeError, match="nothing to compare"):
        compare([], tmp_path)
    with pytest.raises(McuforgeError, match="must differ"):
        compare([INT8, INT8], tmp_path)
    with pytest.raises(McuforgeError, match="no variant named 'fp16'"):
        compare([INT8, FP32], tmp_path, baseline="fp16")


def test_variant_from_build_dir(tmp_path):
    from codegen.report import BuildReport
    from codegen.run import RunResult, Stats, write_run
    from codegen.validate import Validation
    (tmp_path / "report.json").write_text(json.dumps(BuildReport(
        board="stm32l475", model="/m/kws.tflite", flash_bytes=1000, ram_bytes=500, arena_bytes=100,
        macs=42).to_json()))
    v = variant_from_build(tmp_path, name="kws")
    assert v == Variant(name="kws", board="stm32l475", flash_bytes=1000, ram_bytes=500, arena_bytes=100, macs=42,
                        model="kws.tflite")
    write_run(RunResult(board="stm32l475", unit="cycles", per_inference=Stats(9.0, 9.0, 9.0, 9.0, 9.0, 9.0),
                        latency_us=Stats(0.1, 0.1, 0.1, 0.1, 0.1, 0.1)), tmp_path / "run.json")
    (tmp_path / "validate.json").write_text(json.dumps(Validation(
        samples=4, requested=4, bit_exact=True, labelled=4, device_correct=2, reference_correct=3).to_json()))
    v = variant_from_build(tmp_path)
    assert (v.latency, v.unit, v.latency_us, v.accuracy, v.reference_accuracy, v.bit_exact) == \
        (9.0, "cycles", 0.1, 0.5, 0.75, True)
    with pytest.raises(McuforgeError, match="has no report.json"):
        variant_from_build(tmp_path / "nothing")


def test_float32_vs_int8_on_the_emulated_board(shared_models, tmp_path):
    """The whole loop on real builds: build, run and validate both variants on QEMU, then compare."""
    from codegen.report import write_report
    from codegen.run import default_inputs, layers_of, run_firmware, write_run
    from codegen.options import ValidateOptions
    from codegen.validate import validate
    from support.firmware import built
    variants = []
    for name, f in (("float32", "autoencoder_example.float32.tflite"), ("int8", "autoencoder_example.tflite")):
        project, fw = built("mps2-an386", shared_models / f, root=tmp_path / "build")
        write_report(project, fw)
        m = project.compiled
        res = run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, default_inputs(project.model_path, m.inputs),
                           n=3, macs=m.macs, layers=layers_of(m))
        write_run(res, project.dir / "run.json")
        v = validate(project, ValidateOptions(samples=3), progress=False)
        assert v.passed
        variants.append(variant_from_build(project.dir, name))
    files = compare(variants, tmp_path / "cmp", title="autoencoder_example on mps2-an386")
    fp32, int8 = variants
    assert int8.latency and fp32.latency and int8.unit == fp32.unit == "instructions"  # which is faster: measured
    assert int8.flash_bytes < fp32.flash_bytes  # int8 weights are a quarter of float32's
    md = files.markdown.read_text()
    assert "| int8 |" in md and "(0." in md


def test_the_row_type_column_original_pruned_quantised_distilled(tmp_path):
    """The classic trade-off table: each variant's kind beside its name (only when some variant has one)."""
    from dataclasses import replace
    rows = [replace(FP32, kind="original"), replace(INT8, kind="quantised"),
            replace(INT8, name="pruned", kind="pruned"), replace(INT8, name="student", kind="distilled student",
                                                                  flash_bytes=10_240, accuracy=0.94)]
    md = compare(rows, tmp_path, stem="kinds").markdown.read_text()
    assert "| variant | kind | board | flash |" in md and "| --- | --- | --- | ---: |" in md
    assert "| student | distilled student | mps2-an386 | 10 KB (0.20x) |" in md
    assert "| **float32** | original |" in md and "| pruned | pruned |" in md
    assert "| kind |" not in compare([FP32, INT8], tmp_path, stem="plain").markdown.read_text()
