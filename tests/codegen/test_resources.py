"""mcuforge outside its checkout: the wheel carries firmware/, templates/, boards/, pio-platform/ and tools/,
codegen.resources finds them there, and an installed mcuforge inspects, generates, builds and runs
for the host board, and loads its pytest plugin, from a directory of its own.

The default-suite test installs the wheel (built here, offline) into a fresh venv with pip, without
its dependencies: those come from this venv through a path file (everything but mcuforge itself), so
no network and no minute-long dependency install. The `slow` test installs it with its dependencies
from the package index, as a user would."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import codegen.resources as resources
from support.paths import DEFAULT_MODEL, ROOT

SOURCES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "codegen", *resources.DATA_NAMES)
IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", "_data")


def test_a_checkout_reads_its_own_directories():
    assert not resources.installed()
    for name in resources.DATA_NAMES:
        assert resources.data_dir(name) == ROOT / name
    assert resources.platformio_core_dir() == ROOT / ".platformio"
    assert resources.build_root() == ROOT / "build"
    assert resources.qemu_plugin_dir() == ROOT / ".cache" / "qemu-plugin"


def test_installed_writes_go_to_the_cache_and_the_current_directory(monkeypatch, tmp_path):
    monkeypatch.setattr(resources, "installed", lambda: True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCUFORGE_CACHE_DIR", str(tmp_path / "c"))
    assert resources.platformio_core_dir() == tmp_path / "c" / "platformio"
    assert resources.qemu_plugin_dir() == tmp_path / "c" / "qemu-plugin"
    assert resources.build_root() == tmp_path / "build"
    monkeypatch.delenv("MCUFORGE_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "x"))
    assert resources.platformio_core_dir() == tmp_path / "x" / "mcuforge" / "platformio"


def test_nothing_else_computes_the_data_directories():
    """One place for the lookup: no module of codegen builds these paths from its own location."""
    for py in (ROOT / "codegen").rglob("*.py"):
        if py.name == "resources.py":
            continue
        text = py.read_text()
        for name in resources.DATA_NAMES:
            assert f'parents[1] / "{name}"' not in text and f'parents[2] / "{name}"' not in text, py


def build_wheel(out: Path) -> Path:
    """mcuforge's wheel, built offline from a copy of the sources (nothing is written into the checkout)."""
    src = out / "src"
    src.mkdir()
    for name in SOURCES:
        p = ROOT / name
        (shutil.copytree(p, src / name, ignore=IGNORE) if p.is_dir() else shutil.copy2(p, src / name))
    res = subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
                          "--no-index", "-w", str(out / "dist"), str(src)],
                         capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    wheels = list((out / "dist").glob("mcuforge-*.whl"))
    assert len(wheels) == 1
    return wheels[0]


def _dependencies_from_this_venv(venv: Path, deps: Path) -> None:
    """Make this venv's packages, except mcuforge itself, importable in `venv` (a path file)."""
    deps.mkdir()
    site = Path(sysconfig.get_paths()["purelib"])
    for entry in site.iterdir():
        if entry.name.startswith(("mcuforge", "__editable__", "codegen")) or entry.suffix == ".pth":
            continue
        (deps / entry.name).symlink_to(entry)
    target_site = next((venv / "lib").glob("python3*/site-packages"))
    (target_site / "zz_test_dependencies.pth").write_text(f"{deps}\n")
    # the one console script of a dependency mcuforge runs: PlatformIO's `pio`
    pio = venv / "bin" / "pio"
    pio.write_text(f"#!/bin/sh\nexec {venv / 'bin' / 'python'} -m platformio \"$@\"\n")
    pio.chmod(0o755)


HOST_BUILD = r"""
import json, sys
from pathlib import Path
import codegen, codegen.resources as r
from codegen.boards import load_board
from codegen.hil.records import RunRequest
from codegen.hil.strategy import running
from codegen.pio.project import write_project
from codegen.pio.runner import build
project = write_project(load_board("host"), Path(sys.argv[1]))
elf = build(project).elf
with running(project.board, elf, RunRequest(timeout=60)) as s:
    info = s.device.info()
print(json.dumps({"codegen": codegen.__file__, "installed": r.installed(), "firmware": str(r.FIRMWARE_DIR),
                  "core": str(r.platformio_core_dir()), "project": str(project.dir), "elf": str(elf),
                  "board": info.board, "sha256": info.sha256, "model_sha256": project.compiled.sha256}))
"""

PLUGIN_TEST = """
def test_the_plugin_serves_its_board(mcuforge_board):
    assert mcuforge_board.name == "stm32l475" and "site-packages" in str(mcuforge_board.path)
"""

# The `mcuforge` commands an installed package must run from any directory: (argv, text in stdout).
INSTALLED_COMMANDS = (
    (["boards"], "stm32l475"),
    (["inspect", "digits_cnn.tflite"], "arena"),
    (["generate", "digits_cnn.tflite", "-o", "generated"], "digits_cnn_model.c"),
    (["export", "digits_cnn.tflite", "--board", "stm32l475", "--format", "zip", "-o", "library"], "library/digits_cnn.zip"),
)


def check_installed(venv: Path, work: Path) -> None:
    """Run the installed mcuforge from `work` (outside the checkout): commands, a host build and run,
    and the pytest plugin."""
    work.mkdir()
    shutil.copy2(DEFAULT_MODEL, work / "digits_cnn.tflite")
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env.update(PATH=f"{venv / 'bin'}{os.pathsep}/usr/bin:/bin", MCUFORGE_CACHE_DIR=str(work / "cache"))

    def run(*argv: str, timeout: float = 600) -> str:
        res = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=timeout)
        assert res.returncode == 0, f"{argv}: {res.stdout[-3000:]}{res.stderr[-3000:]}"
        return res.stdout

    for argv, expect in INSTALLED_COMMANDS:
        assert expect in run(str(venv / "bin" / "mcuforge"), *argv), argv
    assert run(str(venv / "bin" / "python"), "-m", "codegen", "boards") == run(str(venv / "bin" / "mcuforge"),
                                                                                 "boards")
    # the installed package's export is a whole library: its Makefile builds it
    with zipfile.ZipFile(work / "library" / "digits_cnn.zip") as z:
        assert "digits_cnn/src/kernels/dsp/mf_conv2d_s8.c" in z.namelist()
        z.extractall(work / "library")
    run("make", "-C", str(work / "library" / "digits_cnn"), "CC=gcc", "AR=ar", "CORE_CFLAGS=")
    assert (work / "library" / "digits_cnn" / "libdigits_cnn.a").is_file()
    got = json.loads(run(str(venv / "bin" / "python"), "-c", HOST_BUILD, "digits_cnn.tflite").splitlines()[-1])
    site = str(venv / "lib")
    assert got["installed"] and got["codegen"].startswith(site) and got["firmware"].startswith(site)
    assert got["core"] == str(work / "cache" / "platformio")            # not inside site-packages
    assert got["project"] == str(work / "build" / "host" / "digits_cnn")  # the current directory's build/
    assert got["board"] == "host" and got["sha256"] == got["model_sha256"]
    (work / "test_plugin.py").write_text(PLUGIN_TEST)
    # labgrid's own plugin and pytest-embedded's both define a `target` fixture (pytest-embedded's autouse
    # chain then reaches labgrid's, which skips without --lg-env): with both installed, one goes, as in
    # this repository's addopts
    assert "1 passed" in run(str(venv / "bin" / "python"), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                             "-p", "no:labgrid", "test_plugin.py")


def test_the_installed_wheel_works_outside_the_checkout(tmp_path):
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    res = subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                          "--no-deps", "--no-index", str(wheel)], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (venv / "bin" / "mcuforge").is_file()
    _dependencies_from_this_venv(venv, tmp_path / "deps")
    check_installed(venv, tmp_path / "work")


@pytest.mark.slow
def test_pip_install_with_dependencies_into_a_fresh_venv(tmp_path):
    """As a user would: a venv with pip, `pip install mcuforge.whl` resolving every dependency."""
    wheel = build_wheel(tmp_path)
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
    res = subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel), "pytest"],
                         capture_output=True, text=True, timeout=1800)
    assert res.returncode == 0, res.stderr[-3000:]
    check_installed(venv, tmp_path / "work")
