"""`python -m codegen export`: prints what it wrote (the lines README.md quotes), and every mistake is
an error naming the problem and its fix, exit status 2, no traceback, nothing written."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.cli import main
from codegen.export.formats import ExportFormat
from codegen.export.library import plan_library
from codegen.export.show import export_lines
from codegen.export.writer import MANIFEST, export_library
from support.paths import DEFAULT_MODEL, ROOT


def test_export_prints_what_it_wrote(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", str(DEFAULT_MODEL), "--board", "stm32l475", "--format", "platformio", "-o", "lib"]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert (tmp_path / "lib" / "library.json").is_file() and (tmp_path / "lib" / MANIFEST).is_file()
    same = export_library(plan_library(DEFAULT_MODEL, load_board("stm32l475")), ExportFormat.PLATFORMIO,
                          tmp_path / "again")
    assert printed == export_lines(same, "lib")
    assert printed[0] == "exported digits_cnn.tflite for stm32l475 (cortex-m4f, dsp kernels) as a PlatformIO library"


MISTAKES = [
    (["--board", "stm32l476", "--format", "cmake"], "unknown board 'stm32l476'", "stm32l475"),
    (["--board", "host", "--format", "zip", "--kernels", "dsp"], "dsp kernels need a core with dsp", "kernels=auto"),
    (["--board", "host", "--format", "zip", "--prefix", "2x"], "not a C identifier", "letters"),
]


@pytest.mark.parametrize("args,message,hint", MISTAKES, ids=[m[1] for m in MISTAKES])
def test_mistakes_are_errors_with_their_fix(args, message, hint, tmp_path, capsys):
    out = tmp_path / "lib"
    assert main(["export", str(DEFAULT_MODEL), *args, "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "error: " in err and message in err and "fix:" in err and hint in err, err
    assert not out.exists()


# values the option table refuses (the same forms as scons's export= and kernels=), and a missing model
USAGE = [
    (["--board", "host", "--format", "cmak"], "argument --format: 'cmak': not one of the choices; expected "
                                              "cmake|platformio|arduino|zip"),
    (["--board", "host", "--format", "zip", "--kernels", "cmsis"], "argument --kernels: 'cmsis': not one of the "
                                                                   "choices; expected auto|reference|dsp|mve"),
]


@pytest.mark.parametrize("args,message", USAGE, ids=["format", "kernels"])
def test_values_of_the_wrong_form_are_usage_errors(args, message, tmp_path, capsys):
    with pytest.raises(SystemExit) as e:
        main(["export", str(DEFAULT_MODEL), *args, "-o", str(tmp_path / "lib")])
    assert e.value.code == 2 and message in capsys.readouterr().err


def test_a_full_destination_needs_force_and_a_missing_model_is_named(tmp_path):
    """In a real process: exit status 2, the error and its fix on stderr, no traceback."""
    out = tmp_path / "lib"
    out.mkdir()
    (out / "main.c").write_text("int main(void) { return 0; }\n")

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "codegen", "export", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=300)

    full = run(str(DEFAULT_MODEL), "--board", "host", "--format", "cmake", "-o", str(out))
    assert full.returncode == 2 and "is not empty" in full.stderr and "--force" in full.stderr
    forced = run(str(DEFAULT_MODEL), "--board", "host", "--format", "cmake", "-o", str(out), "--force")
    assert forced.returncode == 2 and "files mcuforge did not write (main.c)" in forced.stderr
    missing = run(str(tmp_path / "nope.tflite"), "--board", "host", "--format", "cmake", "-o", str(tmp_path / "new"))
    assert missing.returncode == 2 and "no such file" in missing.stderr
    for r in (full, forced, missing):
        assert "Traceback" not in r.stderr + r.stdout
    assert (out / "main.c").is_file() and not (tmp_path / "new").exists()


def test_a_destination_that_cannot_be_written_is_an_error(tmp_path, capsys):
    """A parent that is a file, and a place where nothing can be created (/proc, even for root):
    errors with their fix, not a crash report."""
    (tmp_path / "file").write_text("")
    cases = [(tmp_path / "file" / "lib", "is a file, so"), (Path("/proc/mcuforge-export"), "cannot write")]
    for out, message in cases[: 2 if Path("/proc/self").is_dir() else 1]:
        assert main(["export", str(DEFAULT_MODEL), "--board", "host", "--format", "zip", "-o", str(out)]) == 2
        err = capsys.readouterr().err
        assert message in err and "fix: pass -o a new or empty directory" in err, err
