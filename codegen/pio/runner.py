"""Run `pio run` on a generated project (offline, bounded) and collect the artifacts beside it."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from codegen.errors import McuforgeError
from codegen.pio.core import core
from codegen.pio.project import Project

PIO_TIMEOUT_S = 900


@dataclass(frozen=True)
class Artifacts:
    elf: Path
    bin: Path | None
    hex: Path | None
    map: Path


def pio_executable() -> str:
    exe = Path(sys.executable).with_name("pio")
    return str(exe) if exe.is_file() else (shutil.which("pio") or "pio")


def run_pio(project_dir: Path, env_name: str, targets: tuple[str, ...] = (), verbose: bool = False,
            timeout: float = PIO_TIMEOUT_S, extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    cmd = [pio_executable(), "run", "-d", str(project_dir), "-e", env_name]
    for t in targets:
        cmd += ["-t", t]
    if verbose:
        cmd.append("-v")
    try:
        env = core().environ()
        env.update(extra_env or {})
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as exc:
        raise McuforgeError(f"`pio run` did not finish within {timeout:.0f} s in {project_dir}",
                            hint="run it by hand with -v to see where it stalls") from exc


def build(project: Project, verbose: bool = False) -> Artifacts:
    res = run_pio(project.dir, project.board.name, verbose=verbose)
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-40:])
        raise McuforgeError(f"firmware build failed for {project.board.name}:\n{tail}",
                            hint="the compiler output above names the file; generated code must compile "
                                 "warning-free, so this is a bug worth reporting")
    return collect(project.dir, project.board.name, project.board.hosted)


def collect(project_dir: Path, env_name: str, hosted: bool) -> Artifacts:
    out = project_dir / ".pio" / "build" / env_name
    names = ("firmware",) if hosted else ("firmware.elf", "firmware.bin", "firmware.hex")
    copied = []
    for n in names:
        src = out / n
        if not src.is_file():
            raise McuforgeError(f"`pio run` succeeded but {src} is missing", hint="report this as a bug")
        dst = project_dir / n
        tmp = dst.with_name(dst.name + ".tmp")
        shutil.copy2(src, tmp)
        tmp.replace(dst)  # atomic: a running copy of the old binary keeps its inode ("Text file busy")
        copied.append(dst)
    elf = copied[0]
    return Artifacts(elf=elf, bin=None if hosted else copied[1], hex=None if hosted else copied[2],
                     map=project_dir / "firmware.map")
