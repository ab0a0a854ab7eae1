"""Lay a :class:`~codegen.export.library.Library` out in a format's tree, in a new directory.

The tree is written beside the destination first and moved into place whole, so a failed export
leaves the destination as it was. A destination that holds anything is refused unless `force` is
given and it holds nothing but an earlier export's files (its ``mcuforge-export.json`` lists them):
mcuforge never deletes a file it did not write.
"""

from __future__ import annotations

import json
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from codegen.emit.model import emit_model
from codegen.emit.render import render, stamp
from codegen.errors import McuforgeError
from codegen.export.formats import FORMATS, ExportFormat, FormatSpec
from codegen.export.library import VARIANT_HEADER, Library, library_path, public_header
from codegen.version import __version__

MANIFEST = "mcuforge-export.json"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # every archive member's date: the same library gives the same bytes


@dataclass(frozen=True)
class Exported:
    """What an export wrote."""

    library: Library
    format: ExportFormat
    root: Path                           # the destination directory
    files: tuple[PurePosixPath, ...]     # the library's files, relative to its top folder
    archive: Path | None                 # the zip, for the zip format (its top folder is the library's name)

    @property
    def spec(self) -> FormatSpec:
        return FORMATS[self.format]


def _manifest(lib: Library, fmt: ExportFormat, files: list[PurePosixPath]) -> str:
    c = lib.compiled
    return json.dumps({
        "mcuforge": __version__, "format": fmt.value, "name": lib.name, "model": lib.model_path.name,
        "sha256": c.sha256, "board": lib.board.name, "core": lib.board.core.name, "kernel_variant": lib.variant.value,
        "kernels": [str(library_path(p)) for p in lib.kernels], "arena_bytes": c.arena_bytes,
        "weights_bytes": c.weights_bytes, "params_bytes": c.params_bytes, "macs": c.macs,
        "files": sorted(str(f) for f in files),
    }, indent=2) + "\n"


def _sources(lib: Library, spec: FormatSpec) -> list[str]:
    """The files a build of the library compiles (C, and the kernels' assembly loops), relative to its
    top folder."""
    src = PurePosixPath(spec.source_dir)
    return [str(src / f"{lib.name}_model.c"), str(src / f"{lib.name}_weights.c"),
            *(str(src / library_path(k)) for k in lib.kernels)]


def write_tree(lib: Library, fmt: ExportFormat, top: Path) -> list[PurePosixPath]:
    """Write the library's files under `top` (an empty directory); returns them, relative to `top`."""
    spec = FORMATS[fmt]
    inc, src = top / spec.include_dir, top / spec.source_dir
    generated = emit_model(lib.compiled, src)
    if inc != src:
        inc.mkdir(parents=True, exist_ok=True)
        generated.header.replace(inc / generated.header.name)
    for f in (*lib.kernels, *lib.headers):
        dst = (inc if public_header(f) else src) / library_path(f)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(f, dst)
    context = {"lib": lib, "spec": spec, "version": __version__,
               "stamp": stamp(lib.model_path.name, lib.compiled.sha256), "sources": _sources(lib, spec)}
    (inc / VARIANT_HEADER).write_text(render("export/variant.h.j2", **context))
    for template, path in spec.files:
        (top / path.format(name=lib.name)).write_text(render(f"export/{template}", **context))
    files = sorted(PurePosixPath(p.relative_to(top).as_posix()) for p in top.rglob("*") if p.is_file())
    (top / MANIFEST).write_text(_manifest(lib, fmt, [*files, PurePosixPath(MANIFEST)]))
    return sorted([*files, PurePosixPath(MANIFEST)])


def _zip(top: Path, files: list[PurePosixPath], archive: Path, folder: str) -> None:
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        for f in files:
            info = zipfile.ZipInfo(f"{folder}/{f}", date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            z.writestr(info, (top / f).read_bytes())


def _earlier_export(out: Path) -> set[Path]:
    """The files an earlier export wrote into `out` (empty when there was none)."""
    manifest = out / MANIFEST
    try:
        listed = json.loads(manifest.read_text())["files"]
    except (OSError, ValueError, KeyError, TypeError):
        return set()
    return {out / f for f in listed} | {manifest}


def check_destination(out: Path, force: bool) -> None:
    """Refuse a destination that is a file, or a directory with anything in it unless `force` and it
    holds only an earlier export's files."""
    if out.exists() and not out.is_dir():
        raise McuforgeError(f"{out} is a file, not a directory", hint="pass -o a new or empty directory")
    for parent in out.parents:
        if parent.exists() and not parent.is_dir():
            raise McuforgeError(f"{parent} is a file, so {out} cannot be a directory",
                                hint="pass -o a new or empty directory")
    if not out.is_dir() or not any(out.iterdir()):
        return
    if not force:
        raise McuforgeError(f"{out} is not empty", hint="pass -o a new or empty directory, or --force to replace "
                                                        "an earlier export there")
    ours = _earlier_export(out)
    foreign = sorted(p for p in out.rglob("*") if p.is_file() and p not in ours)
    if not ours or foreign:
        shown = ", ".join(str(p.relative_to(out)) for p in foreign[:3]) + (" ..." if len(foreign) > 3 else "")
        raise McuforgeError(f"{out} holds files mcuforge did not write ({shown or 'no ' + MANIFEST})",
                            hint="--force only replaces an earlier export; pass -o a new or empty directory")


def export_library(lib: Library, fmt: ExportFormat, out: Path, force: bool = False) -> Exported:
    """Write `lib` as `fmt` into the directory `out` (for the zip format: `out/<name>.zip`)."""
    out = Path(out).absolute()
    check_destination(out, force)
    try:
        return _export(lib, fmt, out)
    except OSError as e:  # a parent that is a file, no permission, a full disk: the destination is as it was
        raise McuforgeError(f"cannot write {out}: {e.strerror or e}",
                            hint="pass -o a new or empty directory in a place you can write to") from None


def _export(lib: Library, fmt: ExportFormat, out: Path) -> Exported:
    out.parent.mkdir(parents=True, exist_ok=True)
    spec = FORMATS[fmt]
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=f".{out.name}.") as tmp:
        staged = Path(tmp) / "out"
        top = Path(tmp) / lib.name if spec.archive else staged
        top.mkdir(parents=True)
        files = write_tree(lib, fmt, top)
        archive = None
        if spec.archive:
            staged.mkdir()
            archive = out / f"{lib.name}.zip"
            _zip(top, files, staged / archive.name, lib.name)
            (staged / MANIFEST).write_text(json.dumps({"mcuforge": __version__, "format": fmt.value,
                                                        "files": [archive.name]}, indent=2) + "\n")
        if out.exists():
            shutil.rmtree(out)  # empty, or (checked above) nothing but an earlier export
        staged.replace(out)
    return Exported(library=lib, format=fmt, root=out, files=tuple(files), archive=archive)
