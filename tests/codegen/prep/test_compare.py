"""`compare`: variants of one model built for the emulated STM32L475, run and validated on it with the
same evaluation data, side by side (table, JSON, plots), through the HIL and report machinery."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codegen.cli import main
from codegen.errors import McuforgeError
from codegen.options import VariantSpec
from codegen.prep.compare import compare_variants, eval_set
from codegen.prep.data import load_samples
from codegen.prep.quantize import quantize
from codegen.prep.source import detect


@pytest.fixture(scope="module")
def variants(tiny, tmp_path_factory):
    d = tmp_path_factory.mktemp("variants")
    q = quantize(detect(tiny.keras_path), load_samples(tiny.calib))
    (d / "tiny_f32.tflite").write_bytes(q.float32.data)
    (d / "tiny_int8.tflite").write_bytes(q.quantized.data)
    return d


def test_parse_variant():
    assert VariantSpec.parse("m/a.tflite") == VariantSpec.parse("a=m/a.tflite")
    v = VariantSpec.parse("fast=m/b.tflite:int8io")
    assert v.name == "fast" and str(v.model) == "m/b.tflite" and v.int8_io


def test_the_row_type_given_wins_over_the_sidecar(tmp_path):
    from codegen.origin import VariantKind
    from codegen.prep.compare import kind_of
    assert kind_of(VariantSpec.parse(f"s={tmp_path / 's.tflite'}:distilled")) == VariantKind.DISTILLED.value
    assert kind_of(VariantSpec.parse(str(tmp_path / "s.tflite"))) == ""  # no row type, no sidecar: unknown


def test_eval_set_wants_float_inputs(tmp_path):
    np.savez(tmp_path / "q.npz", x=np.zeros((4, 8, 8, 1), np.int8), y=np.arange(4))
    with pytest.raises(McuforgeError, match="x is int8") as e:
        eval_set(tmp_path / "q.npz", tmp_path / "out", 10)
    assert "x_float" in e.value.hint
    np.savez(tmp_path / "s.npz", x=np.zeros((4, 8, 8, 1), np.int8), x_float=np.ones((4, 8, 8, 1)), y=np.arange(4))
    path, n = eval_set(tmp_path / "s.npz", tmp_path / "out", 3)
    with np.load(path) as d:
        assert n == 3 and d["x"].dtype == np.float32 and d["x"].shape == (3, 8, 8, 1) and list(d["y"]) == [0, 1, 2]


def test_variant_names_must_differ(tmp_path):
    with pytest.raises(McuforgeError, match="share a name") as e:
        compare_variants([VariantSpec.parse("a/m.tflite"), VariantSpec.parse("b/m.tflite")], tmp_path / "d.npz", tmp_path)
    assert "NAME=PATH" in e.value.hint


@pytest.mark.qemu
def test_compare_float32_and_int8_on_emulated_stm32l475(tiny, variants, tmp_path, capsys):
    out = tmp_path / "cmp"
    rc = main(["compare", f"f32={variants / 'tiny_f32.tflite'}", f"int8={variants / 'tiny_int8.tflite'}:quantised",
               f"missing={variants / 'nope.tflite'}", "--board", "stm32l475", "--data", str(tiny.test),
               "--samples", "12", "-n", "3", "-o", str(out)])
    text, err = capsys.readouterr()
    assert rc == 1, err                                    # the missing variant fails, the others are measured
    assert "FAILED" in text and "missing: model file not found" in text
    rows = {line.split("|")[1].strip().strip("*"): line for line in text.splitlines() if line.startswith("| ")}
    assert {"f32", "int8"} <= set(rows)
    d = json.loads((out / "compare.json").read_text())
    v = {x["name"]: x for x in d["variants"]}
    for name in ("f32", "int8"):
        assert v[name]["board"] == "stm32l475" and v[name]["unit"] == "instructions"
        assert v[name]["latency"] > 0 and v[name]["latency_us"] > 0 and v[name]["flash_bytes"] > 0
        assert 0.5 < v[name]["accuracy"] <= 1.0 and v[name]["reference_accuracy"] == v[name]["accuracy"]
        build = out / "builds" / "stm32l475" / name
        assert json.loads((build / "validate.json").read_text())["samples"] == 12
        assert json.loads((build / "run.json").read_text())["n"] == 3 and (build / "report.md").is_file()
    assert v["int8"]["bit_exact"] is True
    assert (v["int8"]["kind"], v["f32"]["kind"]) == ("quantised", "")  # given by :quantised; f32 has no sidecar
    # int8 runs faster; on a model this tiny its kernels' code outweighs what its weights save in flash
    assert v["int8"]["latency"] < v["f32"]["latency"]
    assert d["failures"] == {"missing": "model file not found: " + str(variants / "nope.tflite")}
    assert d["weights"]["int8"]["weights_bytes"] < d["weights"]["f32"]["weights_bytes"]
    md = (out / "compare.md").read_text()
    assert "## Weights and compression" in md and "tradeoff.png" in md and "## Problems" in md
    for png in ("compare.png", "tradeoff.png"):
        assert (out / png).read_bytes()[:4] == b"\x89PNG"


def test_scons_compare_without_variants_says_what_it_needs(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    from support.paths import ROOT
    scons = str(Path(sys.executable).with_name("scons"))
    res = subprocess.run([scons, "-C", str(ROOT), "-Q", f"build_dir={tmp_path}", "compare"], capture_output=True,
                         text=True, timeout=120)
    assert res.returncode != 0
    assert "scons compare needs variants= and data=" in res.stderr and "fix: scons compare variants=" in res.stderr
