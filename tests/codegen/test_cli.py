"""`python -m codegen` (and the `mcuforge` script, the same `main`): one handler at the front door; a
mistake is an error with its fix and exit 2, a bug one line plus a log with the traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest

import codegen.inspect
from codegen.cli import main
from support.paths import DEFAULT_MODEL, ROOT


def _codegen(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "codegen", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.parametrize("args, message", [
    (["debug", str(DEFAULT_MODEL), "--samples", "0"], "argument --samples: 0 is not from 1 to 10,000"),
    (["debug", str(DEFAULT_MODEL), "--seed", "-4"], "argument --seed: '-4': out of range"),
    (["inspect", "nope.tflite"], "argument model: no such file: nope.tflite"),
    (["inspect", str(DEFAULT_MODEL), "--kernels", "cmsis"], "argument --kernels: 'cmsis': not one of the choices; expected auto|reference|dsp|mve"),
    (["compare", "a.tflite", "--data", "d.npz", "--samples", "abc"], "argument --samples: 'abc' is not a whole number"),
    (["compare", "a.tflite", "--data", "d.npz", "--run", "boad=x"], "--run boad=x: not an option for reaching the target"),
    (["compare", "a.tflite", "--data", "d.npz", "--run", "timeout=-1"], "--run timeout=-1: out of range"),
])
def test_mistakes_are_refused_without_a_traceback(args, message):
    res = _codegen(*args)
    assert res.returncode == 2 and message in res.stderr, res.stderr
    assert "Traceback" not in res.stderr + res.stdout


def test_help_reads_well():
    res = _codegen("--help")
    assert res.returncode == 0
    for cmd in ("inspect", "generate", "export", "debug", "boards", "bench", "quantize", "compare", "scons -h"):
        assert cmd in res.stdout


def test_an_unexpected_error_is_one_line_and_a_log(monkeypatch, tmp_path, capsys):
    import codegen.cli as cli

    def broken(*a, **k):
        raise KeyError("a bug")

    monkeypatch.setattr(codegen.inspect, "inspect_and_show", broken)
    monkeypatch.setattr(cli, "_log_dir", lambda: tmp_path)
    assert main(["inspect", str(DEFAULT_MODEL)]) == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 2 and "error: `inspect` failed unexpectedly: KeyError: 'a bug'" in err
    assert str(tmp_path / "mcuforge-error.log") in err and "Traceback" not in err
    assert "Traceback" in (tmp_path / "mcuforge-error.log").read_text()
