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
    # the signature record lives in the build tree: builds into other trees cannot overwrite it
    assert (tmp_path / ".sconsign.dblite").is_file()
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
    (["kernels=cmsis"], "kernels=cmsis: not one of the choices; kernels= takes auto|reference|dsp|mve"),
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
    (["bench", "board=host"], "bench compares runtimes on a Linux board, and host is not one"),
    (["bench", "board=x86_64", "runtimes=tvm"], "runtimes=tvm: unknown runtime 'tvm'"),
    (["bench", "board=x86_64", "onnx=/nonexistent.onnx"], "onnx=/nonexistent.onnx"),
    (["run", "board=x86_64", "runtimes=litert"], "runtimes= is not an option of `scons run`"),
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


def test_export_option_writes_the_library_then_does_nothing(tmp_path):
    """`scons board=B model=M export=FORMAT`: the library instead of the firmware, in the build
    directory; a second call with nothing changed is a no-op; export= goes with a build only."""
    bd = f"build_dir={tmp_path}"
    first = scons("board=stm32l475", "export=zip", bd)
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    out = tmp_path / "stm32l475" / "digits_cnn" / "export-zip"
    assert (out / "digits_cnn.zip").is_file() and (out / "mcuforge-export.json").is_file()
    assert "exported digits_cnn.tflite for stm32l475 (cortex-m4f, dsp kernels) as a zip with a Makefile" in first.stdout
    assert "pio run" not in first.stdout and not (tmp_path / "stm32l475" / "digits_cnn" / "firmware.elf").exists()
    again = scons("board=stm32l475", "export=zip", bd)
    assert again.returncode == 0 and "is up to date" in again.stdout and "exported" not in again.stdout
    other = scons("board=stm32l475", "export=arduino", "kernels=reference", bd)
    assert other.returncode == 0, other.stderr[-3000:]
    assert (tmp_path / "stm32l475" / "digits_cnn-reference" / "export-arduino" / "library.properties").is_file()
    refused = scons("run", "export=cmake", bd)
    assert refused.returncode != 0 and "export= is not an option of `scons run`" in refused.stderr
    typo = scons("export=cmak", bd)
    assert typo.returncode != 0 and "export=cmak: not one of the choices; export= takes cmake|platformio|arduino|zip" \
        in typo.stderr and "Traceback" not in typo.stderr


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


def test_bench_on_the_build_machine_compares_the_three_runtimes(tmp_path):
    """`scons board=x86_64 model=M onnx=M.onnx bench`: the front door's options reach the bench (n,
    warmup, samples, threads, onnx); mcuforge C, LiteRT and ONNX Runtime measured side by side, the
    table printed, bench.json/.md/.png written."""
    from support import onnxmodels
    q = onnxmodels.quantized("cnn", onnxmodels.cnn(13), (3, 8, 8), tmp_path / "m")
    res = scons("board=x86_64", f"build_dir={tmp_path / 'b'}", f"model={q.tflite}", f"onnx={q.onnx}", "n=12",
                "warmup=2", "samples=3", "threads=1", "bench")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    proj = tmp_path / "b" / "x86_64" / q.tflite.stem
    saved = json.loads((proj / "bench.json").read_text())
    assert [r["title"] for r in saved["results"]] == ["mcuforge C", "LiteRT", "ONNX Runtime"]
    assert all(r["n"] == 12 and r["warmup"] == 2 for r in saved["results"])
    assert "| mcuforge C |" in res.stdout and "| ONNX Runtime |" in res.stdout and "bit-exact (3/3)" in res.stdout
    assert (proj / "bench.png").is_file() and (proj / "bench.md").is_file()
