"""Result files that replace the previous ones only when complete: written under a new name, then
renamed over the old (a rename within a directory is atomic), so a run killed half-way never leaves
half a file, and a set of files (a report and its plots) is swapped in together."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterable


def write_text_atomic(path: Path, text: str) -> Path:
    """Write `text` to `path` through a temporary file beside it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


class Staging:
    """A private directory beside the results: write a set of files into ``.dir``, then ``commit`` them
    into the destination (the last name given last, so it marks the set complete) and remove the names
    of the same family the new set does not have. Left unused or on an error, it vanishes."""

    def __init__(self, dest: Path) -> None:
        self.dest = Path(dest)
        self.dest.mkdir(parents=True, exist_ok=True)
        self.dir = Path(tempfile.mkdtemp(prefix=".staging-", dir=self.dest))

    def commit(self, last: str | None = None, stale: Iterable[str] = ()) -> tuple[Path, ...]:
        names = sorted(p.name for p in self.dir.iterdir())
        if last is not None and last in names:
            names.remove(last)
            names.append(last)
        moved = []
        for name in names:
            os.replace(self.dir / name, self.dest / name)
            moved.append(self.dest / name)
        for name in stale:
            if name not in names:
                (self.dest / name).unlink(missing_ok=True)
        return tuple(moved)

    def __enter__(self) -> "Staging":
        return self

    def __exit__(self, *exc: object) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
