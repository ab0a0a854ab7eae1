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
