"""The end-to-end example (examples/digits/run.sh): train, quantise three ways, compare four variants on
the emulated STM32L475. About a minute: run with -m slow."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from support.paths import ROOT


@pytest.mark.slow
@pytest.mark.qemu
def test_digits_example_end_to_end(tmp_path):
    res = subprocess.run([str(ROOT / "examples" / "digits" / "run.sh")], env={**os.environ, "OUT": str(tmp_path)},
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    d = json.loads((tmp_path / "compare" / "compare.json").read_text())
    v = {x["name"]: x for x in d["variants"]}
    assert set(v) == {"float32", "int8", "pruned50+int8", "channels50+int8"} and not d["failures"]
    assert all(x["accuracy"] >= 0.9 and x["accuracy"] == x["reference_accuracy"] for x in v.values())
    assert v["int8"]["flash_bytes"] < v["float32"]["flash_bytes"] and v["int8"]["latency"] < v["float32"]["latency"]
    assert v["channels50+int8"]["latency"] < v["int8"]["latency"]
    assert d["weights"]["pruned50+int8"]["kernel_zeros"] >= 0.5
    assert d["weights"]["pruned50+int8"]["firmware_deflated"] < d["weights"]["int8"]["firmware_deflated"]


# --- examples/pytorch ------------------------------------------------------------------------------------

def _pytorch_table():
    import importlib.util
    spec = importlib.util.spec_from_file_location("pytorch_table", ROOT / "examples" / "pytorch" / "table.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_pytorch_example_table_in_the_readmes_matches_its_results():
    """The READMEs' table is table.py's rendering of the committed results.json (UPDATE=1 run.sh
    refreshes both)."""
    t = _pytorch_table()
    want = t.render(json.loads(t.RESULTS.read_text()))
    for readme in t.READMES:
        assert t.block(readme.read_text()) == want, f"{readme} drifted: UPDATE=1 examples/pytorch/run.sh"
    d = json.loads(t.RESULTS.read_text())
    v = {x["name"]: x for x in d["variants"]}
    assert v["int8"]["bit_exact"] and d["float_reference"]["int8"]["runtime"].startswith("ONNX Runtime")


@pytest.mark.slow
@pytest.mark.qemu
def test_pytorch_example_end_to_end(tmp_path):
    pytest.importorskip("torch", reason="the PyTorch example needs the torch extra: pip install -e '.[torch]'")
    pytest.importorskip("onnxscript")
    res = subprocess.run([str(ROOT / "examples" / "pytorch" / "run.sh")], env={**os.environ, "OUT": str(tmp_path)},
                         capture_output=True, text=True, timeout=900)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    t = _pytorch_table()
    d = json.loads((tmp_path / "compare" / "compare.json").read_text())
    assert not d["failures"]
    v = {x["name"]: x for x in d["variants"]}
    assert v["int8"]["bit_exact"] and v["int8"]["accuracy"] >= 0.95 and v["int8"]["latency"] < v["float32"]["latency"]
    assert d["float_reference"]["int8"]["outputs"][0]["cosine"] > 0.999
    # training is seeded and single-threaded: with the torch that made results.json, the table is reproduced
    import torch
    stamp = json.loads(t.RESULTS.read_text())
    if torch.__version__ == "2.13.0+cpu":
        assert t.render(d) == t.render(stamp)
