"""The tune example (examples/tune-digits/): its README's tables and plot are table.py's rendering of the
committed results.json (drift test, default suite); run.sh end to end (12 trials on the emulated
STM32L475, ~10 minutes on two idle cores) runs under ``-m slow``."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess

import pytest

from support.paths import ROOT


def _table():
    spec = importlib.util.spec_from_file_location("tune_digits_table", ROOT / "examples" / "tune-digits" / "table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_readme_tables_are_the_rendering_of_results_json():
    t = _table()
    results = json.loads(t.RESULTS.read_text())
    want = t.render(results)
    text = t.README.read_text()
    for name in t.BLOCKS:
        assert t.block(text, name) == want[name], f"README block {name} drifted: UPDATE=1 examples/tune-digits/run.sh"
    assert t.PLOT.read_bytes()[:4] == b"\x89PNG" and "(tune.png)" in text


def test_the_recorded_study_meets_the_acceptance():
    """What the committed numbers claim: at least 12 trials, a front measured on the board (bit-exact with
    TFLM), the distillation check with both students, the student as a `distilled student` row."""
    from codegen.tune.records import TrialState, TuneResult
    t = _table()
    results = json.loads(t.RESULTS.read_text())
    r = TuneResult.from_json(results["tune"])
    assert len(r.finished) >= 12 and r.board == "stm32l475" and r.front
    assert all(x.state == TrialState.MEASURED and x.samples == r.val_samples and x.bit_exact for x in r.front)
    d = r.distillation
    assert d is not None and d.distilled.distilled and not d.plain.distilled
    assert d.plain.params == d.distilled.params and d.plain.accuracy is not None
    kinds = {v["name"]: v["kind"] for v in results["compare"]["variants"]}
    assert kinds == {"teacher": "original", "teacher+int8": "quantised", "channels50+int8": "pruned",
                     "student": "distilled student"}


@pytest.mark.slow
@pytest.mark.qemu
def test_tune_digits_example_end_to_end(tmp_path):
    res = subprocess.run([str(ROOT / "examples" / "tune-digits" / "run.sh")], env={**os.environ, "OUT": str(tmp_path)},
                         capture_output=True, text=True, timeout=3600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    from codegen.tune.records import TrialState, read_result
    r = read_result(tmp_path / "study" / "tune.json")
    assert len(r.finished) >= 12 and r.front and all(x.state == TrialState.MEASURED for x in r.front)
    assert r.distillation is not None and r.distillation.plain.accuracy is not None
    assert (tmp_path / "study" / "tune.html").is_file() and (tmp_path / "study" / "tune.png").is_file()
    d = json.loads((tmp_path / "compare" / "compare.json").read_text())
    assert not d["failures"] and {v["kind"] for v in d["variants"]} == {"original", "quantised", "pruned",
                                                                      "distilled student"}
    assert all(v["accuracy"] == v["reference_accuracy"] for v in d["variants"] if v["bit_exact"])
