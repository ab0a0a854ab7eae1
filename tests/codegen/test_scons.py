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


# issue 12: every mistake on the command line refused before anything is built, naming the option, the
# value and the accepted form (or the closest known option), with a non-zero exit and no traceback
REFUSED = [
    (["boad=mps2-an386"], "unknown option boad=mps2-an386: did you mean board=?"),
    (["int8io=1"], "unknown option int8io=1: did you mean int8_io=?"),
    (["kernels=cmsis"], "kernels=cmsis: not one of the choices; kernels= takes auto|reference|dsp"),
    (["test", "sample=5"], "sample= is not an option of `scons test`"),
    (["run", "samples=3"], "samples= is not an option of `scons run`"),
    (["run", "n=0"], "n=0: out of range; n= takes a whole number from 1 to 100,000"),
    (["run", "n=-2"], "n=-2: out of range"),
    (["run", "n=ten"], "n=ten: not a whole number"),
    (["test", "samples=0"], "samples=0: out of range"),
    (["test", "samples=abc"], "samples=abc: not a whole number; samples= takes a whole number"),
    (["test", "seed=-1"], "seed=-1: out of range"),
    (["run", "timeout=0"], "timeout=0: out of range; timeout= takes a number > 0"),
    (["run", "timeout=nan"], "timeout=nan: out of range"),
    (["stack=1001"], "stack=1001: not a multiple of 8"),
    (["opt=-O9"], "opt=-O9: not one of the choices"),
    (["run", "target=qemu"], "target=qemu: not one of the choices; target= takes auto|emulator|device|host|attach"),
    (["run", "flash=maybe"], "flash=maybe: not a yes/no value"),
    (["run", "input=nope.npy"], "input=nope.npy: input file not found; input= takes a .npy/.npz input file"),
    (["run", "input=x.txt"], "input=x.txt: not a .npy/.npz file"),
    (["run", "sample=999"], "sample=999: digits_cnn.samples.npz holds 297 samples (0..296)"),
    (["test", "data=/nonexistent.npz"], "data file not found"),
    (["model=/nonexistent.tflite"], "model=/nonexistent.tflite: model file not found"),
    (["tset"], "unknown command `tset`: did you mean `test`?"),
    (["bench", "board=host"], "board= is not an option of `scons bench`"),
    (["compare"], "scons compare needs variants= and data="),
    (["board=host", "run", "gpio_trace=1"], "gpio_trace=1 reads QEMU's GPIO trace; host is not emulated"),
    (["board=mps2-an386", "run", "upload=stlink"], "upload=stlink: mps2-an386 has no [upload] table"),
    (["board=stm32l475", "run", "upload=jlink"], "upload=jlink: stm32l475 is flashed with stlink, openocd, pyocd"),
    (["n=0", "int8io=1", "run"], "2 problems on the command line"),
]


@pytest.mark.parametrize("args, message", REFUSED, ids=[" ".join(a) for a, _ in REFUSED])
def test_command_line_mistakes_are_refused_before_any_build(tmp_path, args, message):
    res = scons("-Q", f"build_dir={tmp_path}", *args, timeout=120)
    assert res.returncode != 0
    assert message in res.stderr and "fix:" in res.stderr, res.stderr
    assert "Traceback" not in res.stdout + res.stderr
    assert not [p for p in tmp_path.iterdir()]  # nothing generated, nothing built


def test_scons_help_lists_every_option_from_the_table():
    from codegen.options.command_line import OPTIONS
    res = scons("-h", "boad=x", timeout=120)  # -h: the help text, and no option checked
    assert res.returncode == 0, res.stderr
    for o in OPTIONS:
        assert f"  {o.name}=<{o.value.form}>" in res.stdout
    assert "Commands:" in res.stdout and "  compare " in res.stdout


def test_an_unreachable_port_is_an_error_with_its_fix(tmp_path):
    res = scons("-Q", f"build_dir={tmp_path}", "board=stm32l475", "run", "target=device", "flash=0",
                f"port={tmp_path / 'ttyNOPE'}")
    assert res.returncode != 0 and "Traceback" not in res.stdout + res.stderr
    assert "cannot reach the target at" in res.stderr and "fix: check port=" in res.stderr


def test_an_unexpected_error_prints_one_line_and_logs_the_traceback(tmp_path, monkeypatch, capsys):
    """An exception mcuforge did not expect (a bug): one line on the terminal, the traceback in
    <build_dir>/mcuforge-error.log, a failed action (SCons then stops non-zero)."""
    import codegen.scons as front
    from codegen.options.command_line import parse_command_line

    def broken():
        raise ZeroDivisionError("division by zero in a bug")

    line = parse_command_line({}, [], DEFAULT_MODEL)
    monkeypatch.setitem(front._JOB, "job", front._Job(line, tmp_path / "p", tmp_path))
    assert front._guarded(broken, "the run") == front.ACTION_FAILED
    err = capsys.readouterr().err
    assert "error: the run failed unexpectedly: ZeroDivisionError: division by zero in a bug" in err
    assert "Traceback" not in err and str(tmp_path / "mcuforge-error.log") in err
    log = (tmp_path / "mcuforge-error.log").read_text()
    assert "Traceback" in log and "def broken" not in err and "raise ZeroDivisionError" in log


def test_readme_option_table_and_refusals_are_current(tmp_path):
    """README.md's option table is options_markdown(); its refusal examples are what scons prints."""
    from codegen.options.command_line import options_markdown
    readme = (ROOT / "README.md").read_text()
    table = readme.split("<!-- options:begin", 1)[1].split("-->", 1)[1].split("<!-- options:end -->", 1)[0]
    assert table.strip() == options_markdown()
    block = readme.split("A mistake on the command line is refused", 1)[1].split("```\n", 1)[1].split("```", 1)[0]
    shown = block.strip().split("$ .venv/bin/scons ")[1:]
    assert len(shown) == 2
    for example in shown:
        args, *expected = example.strip().splitlines()
        res = scons("-Q", f"build_dir={tmp_path}", *args.split(), timeout=120)
        assert res.returncode != 0 and res.stderr.strip().splitlines() == expected
