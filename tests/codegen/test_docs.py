"""The documentation is what the commands print: every marked block of README.md, docs/, examples/ and
the generated BENCHMARKS.md/.html and example run report render now exactly as committed
(`python -m codegen docs --check`); a changed number is found and written back; and the recorded blocks
follow their records (the QEMU runs, the benchmark and the examples are slow: their numbers are kept
as JSON, and the path from those numbers to the text is what runs here)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from codegen import docs
from support.paths import ROOT


def test_every_block_and_generated_file_is_current():
    drift = docs.check()
    assert not drift, "stale documentation:\n" + "\n".join(f"  {d.where}: {d.how}" for d in drift)


def test_every_marker_pair_is_there_once():
    for block in docs.BLOCKS:
        text = (ROOT / block.path).read_text()
        assert docs.current(text, block).strip(), f"{block.path}: {block.name} is empty"


def test_a_changed_number_is_found_and_written_back(tmp_path):
    (tmp_path / "README.md").write_text((ROOT / "README.md").read_text().replace(
        "| `stm32l475` | B-L475E-IOT01A Discovery kit | emulated + real | cortex-m4f | 80 MHz |",
        "| `stm32l475` | B-L475E-IOT01A Discovery kit | emulated + real | cortex-m4f | 81 MHz |"))
    drift = docs.check(tmp_path, names=("readme-boards",))
    assert [d.where for d in drift] == ["README.md (readme-boards)"] and "docs --write" in drift[0].how
    assert docs.write(tmp_path, names=("readme-boards",)) == [Path("README.md")]
    assert not docs.check(tmp_path, names=("readme-boards",))
    assert (tmp_path / "README.md").read_text() == (ROOT / "README.md").read_text()


def _records(tmp_path, monkeypatch):
    """A copy of the records in a scratch checkout the renderers read instead of the repository."""
    for rel in ("docs/results", "docs/example-run", "examples/digits/results.json", "BENCHMARKS.json"):
        src, dst = ROOT / rel, tmp_path / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        (shutil.copytree if src.is_dir() else shutil.copyfile)(src, dst)
    monkeypatch.setattr(docs, "REPO", tmp_path)
    return tmp_path


def _edit(path, change):
    d = json.loads(path.read_text())
    change(d)
    path.write_text(json.dumps(d))


def test_recorded_blocks_follow_their_numbers(tmp_path, monkeypatch):
    root = _records(tmp_path, monkeypatch)
    run = root / "docs/results/default-run/run.json"
    _edit(run, lambda d: d["per_inference"].update(p50=123_456.0))
    assert "123,456 per inference" in docs._default_run()
    _edit(root / "docs/results/kws-test/validate.json", lambda d: d.update(samples=19, mismatches=1, bit_exact=False,
                                                                            within_tolerance=False, passed=False))
    assert "MISMATCH: 18/19 samples agree (1 not run)" in docs._kws_test()
    _edit(root / "examples/digits/results.json", lambda d: d["variants"][1].update(latency=100_000.0))
    base = json.loads((root / "examples/digits/results.json").read_text())["variants"][0]["latency"]
    assert f"| 100,000 ({100_000 / base:.2f}x) |" in docs._digits_compare()
    assert "| 100,000 |" in docs._pruning()
    _edit(root / "BENCHMARKS.json", lambda d: [r.update(instructions=3_000_000) for r in d["rows"]
                                               if r["model"] == "keyword_spotting" and r["core"] == "Cortex-M4"])
    assert "| keyword_spotting | 2,656,768 | 7.72M | 3.00M | 2.57x |" in docs._bench_anchors()


def test_a_missing_record_says_how_to_make_it(tmp_path, monkeypatch):
    monkeypatch.setattr(docs, "REPO", tmp_path)
    with pytest.raises(docs.McuforgeError, match="default-run/run.json is missing") as e:
        docs._default_run()
    assert "--record" in e.value.hint
