"""`python -m codegen inspect`: the per-op table and its totals, as text and as JSON, through the real
command line; and a clear error for what is not a model."""

from __future__ import annotations

import json
import subprocess
import sys

from support.paths import ROOT, SHARED_MODELS

KWS = SHARED_MODELS / "keyword_spotting.tflite"


def inspect(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codegen", "inspect", *args], capture_output=True, text=True,
                          timeout=120, cwd=ROOT)


def test_json_rows_add_up_to_the_totals():
    res = inspect(str(KWS), "--json")
    assert res.returncode == 0, res.stderr
    d = json.loads(res.stdout)
    ops = d["ops"]
    assert len(ops) == 15 and [o["index"] for o in ops] == list(range(15))
    assert {o["op"] for o in ops} == set(d["ops_used"]) >= {"CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"}
    assert sum(o["macs"] for o in ops) == d["macs"] == 2_656_768
    assert sum(o["weight_bytes"] for o in ops) == d["weights_bytes"]
    for o in ops:
        assert o["inputs"] and o["outputs"]
        assert 0 <= o["arena_offset"] and o["arena_offset"] + o["arena_bytes"] <= d["arena_bytes"], o
    assert ops[1]["outputs"] == ["int8[1x25x5x64] q(0.03265,-128)"]
    assert d["inputs"] == ["float32[1x50x10x1]"] and d["outputs"] == ["float32[1x12]"]


def test_text_table_has_every_column_and_the_totals():
    res = inspect(str(KWS))
    assert res.returncode == 0, res.stderr
    header = next(line for line in res.stdout.splitlines() if line.lstrip().startswith("#"))
    for col in ("op", "input", "output", "MACs", "weights", "arena off", "arena size"):
        assert col in header
    for total in ("ops used", "MACs       2,656,768", "weights", "arena"):
        assert total in res.stdout


def test_board_and_int8_io_change_the_plan():
    plain = json.loads(inspect(str(KWS), "--json").stdout)
    int8io = json.loads(inspect(str(KWS), "--json", "--int8-io").stdout)
    assert [o["op"] for o in int8io["ops"]].count("QUANTIZE") == 0 and int8io["inputs"][0].startswith("int8")
    assert int8io["arena_bytes"] <= plain["arena_bytes"]
    # a DSP core gets the dsp kernels' build-time layouts (folded biases, per-channel records)
    m4 = json.loads(inspect(str(KWS), "--json", "--board", "stm32l475").stdout)
    assert m4["macs"] == plain["macs"] and m4["params_bytes"] > plain["params_bytes"]


def test_not_a_model_is_a_clear_error(tmp_path):
    bad = tmp_path / "notes.tflite"
    bad.write_text("not a model at all")
    res = inspect(str(bad))
    assert res.returncode == 2 and not res.stdout
    assert "not a TensorFlow Lite flatbuffer" in res.stderr and "fix:" in res.stderr and "Traceback" not in res.stderr
