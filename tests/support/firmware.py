"""Build firmware for tests (cached per process): the real pipeline, write_project + `pio run`."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from codegen.boards import load_board
from codegen.pio.project import BuildOptions, Project, project_dir, write_project
from codegen.pio.runner import build


@lru_cache(maxsize=None)
def built(board: str, model: Path, int8_io: bool = False, kernels: str = "auto",
          root: Path | None = None, memory: str = "balanced") -> tuple[Project, Path]:
    """(project, firmware path) for board+model, built with PlatformIO."""
    opts = BuildOptions(int8_io=int8_io, kernels=kernels, memory=memory)
    out = project_dir(board, model, opts, root) if root else None
    project = write_project(load_board(board), model, out, opts)
    return project, build(project).elf
