"""The user's command: `scons board=B model=M [run|test|inspect]` — builds, no-op rebuilds, clean,
parallel builds, and clear failures that lose nothing already produced."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from support.paths import DEFAULT_MODEL, ROOT

SCONS = [str(Path(sys.executable).with_name("scons")), "-C", str(ROOT)]


def scons(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([*SCONS, *args], capture_output=True, text=True, timeout=timeout)


def test_build_then_noop_then_clean(tmp_path):
    bd = f"build_dir={tmp_path}"
    first = scons("board=host", bd)
    assert first.returncode == 0, first.stdout + first.stderr
    proj = tmp_path / "host" / "digits_cnn"
    rep = json.loads((proj / "report.json").read_text())
    assert rep["board"] == "host" and rep["model"] == str(DEFAULT_MODEL)
    stamp = (proj / "firmware").stat().st_mtime_ns
    second = scons("board=host", bd)
    assert second.returncode == 0
    assert "is up to date" in second.stdout and "pio run" not in second.stdout
    assert (proj / "firmware").stat().st_mtime_ns == stamp
    clean = scons("board=host", bd, "-c")
    assert clean.returncode == 0 and not proj.exists()


def test_parallel_build_and_run_on_qemu(tmp_path):
    res = scons("-j2", "board=mps2-an386", f"build_dir={tmp_path}", "run", "n=3")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    run = json.loads((tmp_path / "mps2-an386" / "digits_cnn" / "run.json").read_text())
    assert run["n"] == 3 and run["unit"] == "instructions"
    assert run["instructions_per_inference"]["p50"] > 0
    assert "instructions" in res.stdout and "top-1" in res.stdout


def test_unknown_board_fails_clearly(tmp_path):
    res = scons("board=pdp11", f"build_dir={tmp_path}")
    assert res.returncode != 0
    assert "unknown board 'pdp11'" in res.stderr and "stm32l475" in res.stderr


def test_bad_model_fails_clearly_and_keeps_the_previous_build(tmp_path):
    bd = f"build_dir={tmp_path}"
    assert scons("board=host", bd).returncode == 0
    bad = tmp_path / "digits_cnn.tflite"  # same stem: would build into the same folder
    bad.write_bytes(b"not a model at all, just some bytes")
    res = scons("board=host", bd, f"model={bad}")
    assert res.returncode != 0
    assert "not a TensorFlow Lite flatbuffer" in res.stderr and "fix:" in res.stderr
    assert (tmp_path / "host" / "digits_cnn" / "firmware").is_file()  # nothing already built was lost


@pytest.mark.parametrize("target", ["inspect"])
def test_inspect_target(target, tmp_path):
    res = scons(target, f"build_dir={tmp_path}")
    assert res.returncode == 0, res.stderr
    assert "CONV_2D" in res.stdout and "arena" in res.stdout


def test_a_linux_board_over_ssh_runs_and_tests(tmp_path):
    """`scons board=stm32mp157 run test` with the hardware map pointing at a real sshd on loopback:
    cross-compiled, copied over SSH, run under QEMU user mode (the map's machine is x86_64)."""
    from support.sshd import hardware_map, loopback_sshd
    with loopback_sshd(tmp_path) as sshd:
        hw = hardware_map(tmp_path / "hw.toml", {"stm32mp157": sshd})
        res = scons("board=stm32mp157", f"build_dir={tmp_path / 'b'}", f"hwmap={hw}", "target=emulator", "n=3",
                    "samples=4", "run", "test")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    proj = tmp_path / "b" / "stm32mp157" / "digits_cnn"
    run = json.loads((proj / "run.json").read_text())
    assert run["driver"] == "qemu-user" and run["peak_rss_bytes"] > 0 and run["latency_basis"].startswith("emulated:")
    assert json.loads((proj / "validate.json").read_text())["bit_exact"]
    assert "peak RSS" in res.stdout and "bit-exact: 4/4" in res.stdout


def test_a_refused_ssh_connection_fails_clearly_through_scons(tmp_path):
    from support.sshd import hardware_map, refused_target
    target = refused_target(tmp_path)
    hw = hardware_map(tmp_path / "hw.toml", {"rpi4": target})
    res = scons("board=rpi4", f"build_dir={tmp_path / 'b'}", f"hwmap={hw}", "run")
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "connection refused" in res.stderr and f"fix: is sshd running" in res.stderr
    assert f"ssh -o BatchMode=yes" in res.stderr and f"-p {target.port}" in res.stderr
    assert (tmp_path / "b" / "rpi4" / "digits_cnn" / "firmware").is_file()   # the build is kept
