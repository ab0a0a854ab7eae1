"""README.md's export example (keyword_spotting for the STM32L475 as a CMake package: the command's
output, the CMake lines, the ten lines of C) is scripts/readme_export.py's rendering of a real export:
this fails when they drift (`.venv/bin/python scripts/readme_export.py --write` renews it)."""

from __future__ import annotations

import importlib.util
import re
import shutil
import subprocess

import pytest

from codegen.boards import load_board
from codegen.export.formats import ExportFormat
from codegen.export.library import plan_library
from codegen.export.writer import export_library
from support.export_consumer import check_bit_exact, program
from support.paths import ROOT, SHARED_MODELS


def test_readme_export_example_is_current():
    spec = importlib.util.spec_from_file_location("readme_export", ROOT / "scripts" / "readme_export.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    rendered = mod.render()
    assert mod.block((ROOT / "README.md").read_text()) == rendered, \
        "README.md's export example is stale: run .venv/bin/python scripts/readme_export.py --write"
    assert "mcuforge::keyword_spotting" in rendered and "keyword_spotting_invoke()" in rendered


def _fenced(text: str, lang: str) -> str:
    m = re.search(rf"^```{lang}\n(.*?)^```", text, re.M | re.S)
    assert m, f"README.md's export example has no ```{lang} block"
    return m.group(1)


@pytest.mark.skipif(shutil.which("cmake") is None, reason="cmake missing (run ./setup.sh)")
def test_readme_export_example_builds_and_runs_bit_exact(tmp_path):
    """The acceptance as a user would take it: keyword_spotting exported for the STM32L475 into the
    README's directory, the README's CMake lines and its C example, verbatim, in a project built for
    the host (the package's switch that leaves the Cortex-M4 flags out); the program computes what
    TFLM computes (the dsp layout's kernels are portable C)."""
    text = (ROOT / "README.md").read_text()
    example = text.partition("<!-- export-example -->")[2].partition("<!-- /export-example -->")[0]
    model = SHARED_MODELS / "keyword_spotting.tflite"
    lib = plan_library(model, load_board("stm32l475"))
    app = tmp_path / "app"
    export_library(lib, ExportFormat.CMAKE, app / "build" / "export" / "keyword_spotting")
    readme = app / "example.md"  # the README's C block where support.export_consumer looks for it
    readme.write_text(f"## Call it\n\n```c\n{_fenced(example, 'c')}```\n")
    (app / "main.c").write_text(program(readme, lib.compiled))
    (app / "CMakeLists.txt").write_text("cmake_minimum_required(VERSION 3.13)\nproject(app C)\n"
                                        "add_executable(app main.c)\n" + _fenced(example, "cmake"))
    build = tmp_path / "out"
    configure = ["cmake", "-S", str(app), "-B", str(build), "-DCMAKE_BUILD_TYPE=MinSizeRel",  # -Os, as firmware is
                 "-DCMAKE_C_FLAGS=-Wall -Wextra -Werror", "-Dkeyword_spotting_CORE_FLAGS=OFF"]
    for cmd in (configure, ["cmake", "--build", str(build)]):
        res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        assert res.returncode == 0, f"{' '.join(cmd)}:\n{res.stdout[-3000:]}\n{res.stderr[-3000:]}"
    check_bit_exact(build / "app", model, lib.compiled, samples=3)
