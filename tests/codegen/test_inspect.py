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


def test_memory_timeline_in_json():
    """--json: per operator the arena's buffers alive (names, bytes, offsets), the bytes in use and the
    arena's high-water; exactly one peak step, where the high-water is the arena; the peak RAM typed."""
    d = json.loads(inspect(str(KWS), "--json", "--board", "stm32l475").stdout)
    tl = d["timeline"]
    steps = tl["steps"]
    assert [s["label"] for s in steps] == [str(o["index"]) for o in d["ops"]]
    assert [s["op"] for s in steps] == [o["op"] for o in d["ops"]]
    assert [s["peak"] for s in steps].count(True) == 1 and steps[tl["peak_step"]]["peak"]
    assert -(-steps[tl["peak_step"]]["extent"] // 16) * 16 == d["arena_bytes"] == tl["arena_bytes"]
    for s, o in zip(steps, d["ops"]):
        assert s["extent"] == max(a["offset"] + a["bytes"] for a in s["alive"]) <= d["arena_bytes"]
        assert s["alive_bytes"] <= s["extent"]
        # the operator's output is alive at its own step, at the offset the table shows
        assert any(a["offset"] == o["arena_offset"] for a in s["alive"]), s
    # the model's input is alive at the first step, the output at the last
    assert "input_1" in {a["name"] for a in steps[0]["alive"]}
    assert "Identity" in {a["name"] for a in steps[-1]["alive"]}
    p = d["peak_ram"]
    assert p["stack"] == "reserved" and p["stack_bytes"] == 4096
    assert p["peak_ram_bytes"] == p["arena_bytes"] + p["scratch_bytes"] + p["stack_bytes"] + p["state_bytes"]
    assert p["arena_bytes"] == d["arena_bytes"]
    # on the host the stack is the OS's: not counted
    host = json.loads(inspect(str(KWS), "--json", "--board", "host").stdout)["peak_ram"]
    assert host["stack"] == "not counted" and host["stack_bytes"] == 0


def test_memory_timeline_in_text():
    res = inspect(str(KWS))
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    peak = next(line for line in lines if line.startswith("peak RAM"))
    assert "(reserved)" in peak and "the arena's peak at op 0 QUANTIZE" in peak
    head = lines.index(next(line for line in lines if line.startswith("memory over the schedule")))
    rows = lines[head + 3:head + 3 + 15]
    assert len(rows) == 15 and rows[0].lstrip().startswith("* 0  QUANTIZE")
    assert sum(r.lstrip().startswith("*") for r in lines[head:]) == 1
    assert "@9344 input_1 2.0 KB" in rows[0]
    # long lists are cut to a readable width, saying how many were left out
    assert all(len(r) <= 140 for r in rows)


def test_long_tensor_lists_are_cut():
    from codegen.inspect import TENSORS_WIDTH, _alive_text, short_name
    from codegen.peakram import Alive
    assert short_name("model/conv2d/Relu;model/conv2d/BiasAdd;model/conv2d/Conv2D") == "model/conv2d/Relu"
    assert short_name("x" * 40) == "..." + "x" * 21
    many = tuple(Alive(f"tensor_{k}", 1024, 1024 * k) for k in range(12))
    text = _alive_text(many)
    assert len(text) <= TENSORS_WIDTH and text.endswith("more") and text.startswith("@0 tensor_0 1 KB")
    shown = text.count("@")
    assert f"... +{12 - shown} more" in text
    assert _alive_text(many[:2]) == "@0 tensor_0 1 KB, @1024 tensor_1 1 KB"
