"""README.md's Linux-board table (scripts/linux_runtimes.py) stays true: it is exactly the table the
committed results (docs/linux-runtimes.json) render to, and a fresh measurement on the x86_64 board
has the same structure (the same models, runtimes and columns; timings vary from run to run)."""

from __future__ import annotations

import importlib.util
import json

from support.paths import ROOT

_spec = importlib.util.spec_from_file_location("linux_runtimes", ROOT / "scripts" / "linux_runtimes.py")
script = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(script)


def _rows(table: str) -> list[list[str]]:
    return [[c.strip() for c in line.strip("|").split("|")] for line in table.strip().splitlines()[2:]
            if line.startswith("|")]


def test_readme_table_is_the_committed_results():
    from codegen.linux.report import summary_table
    assert script.block(script.README.read_text()) == summary_table(script.committed()).strip("\n")
    assert script.main(["--check"]) == 0


def test_the_committed_results_cover_three_models_and_all_runtimes():
    rows = _rows(script.block(script.README.read_text()))
    assert {r[0] for r in rows} == {"digits_cnn.tflite", "keyword_spotting.tflite", "torch_cnn_int8.tflite"}
    assert [r[1] for r in rows if r[0] == "torch_cnn_int8.tflite"] == ["mcuforge C", "LiteRT", "ONNX Runtime"]
    assert all(r[5].startswith("bit-exact") for r in rows if r[1] == "mcuforge C")
    for d in json.loads(script.RESULTS.read_text()):
        assert d["board"] == "x86_64" and not d["emulated"]


def test_a_fresh_measurement_has_the_readme_structure(tmp_path):
    out = tmp_path / "fresh.json"
    assert script.main(["--models", "digits_cnn", "--n", "20", "--warmup", "2", "--samples", "3",
                        "--build-root", str(tmp_path / "build"), "--json", str(out)]) == 0
    from codegen.linux.records import BenchResult
    from codegen.linux.report import summary_table
    fresh = _rows(summary_table([BenchResult.from_json(d) for d in json.loads(out.read_text())]))
    readme = [r for r in _rows(script.block(script.README.read_text())) if r[0] == "digits_cnn.tflite"]
    assert [(r[0], r[1]) for r in fresh] == [(r[0], r[1]) for r in readme]
    assert all(len(f) == len(r) == 6 for f, r in zip(fresh, readme))
    assert fresh[0][5] == "bit-exact (3/3)"
