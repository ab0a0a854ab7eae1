"""An offline PlatformIO core: nothing here, nor in any build, contacts PlatformIO's registry.

The core lives in ``<repo>/.platformio`` in a checkout, in ``~/.cache/mcuforge/platformio`` (see
:mod:`codegen.resources`) when mcuforge is installed. It holds two packages made from local parts:

* ``tool-scons``: SCons copied from the virtual environment's pip install (PlatformIO runs its build
  scripts with it and would otherwise download it);
* ``toolchain-gccarmnoneeabi``: Debian's ``arm-none-eabi-*`` binaries exposed through symlinks.

The dev-platform itself is mcuforge's ``pio-platform/`` (:mod:`codegen.resources`) and is referenced by
path from each project. setup.sh seeds the core of a checkout; an installed mcuforge seeds its own on
first use.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import SCons

from codegen.errors import McuforgeError
from codegen.resources import PIO_PLATFORM_DIR, installed, platformio_core_dir

if TYPE_CHECKING:
    from codegen.boards import Board

CORE_DIR = platformio_core_dir()
PLATFORM_DIR = PIO_PLATFORM_DIR
TOOLCHAIN_PREFIX = "arm-none-eabi-"
TOOLCHAIN_TOOLS = ("gcc", "g++", "as", "ar", "ld", "nm", "objcopy", "objdump", "size", "gdb",
                   "ranlib", "strip", "readelf", "addr2line", "cpp", "gcc-ar", "gcc-nm")
SCONS_PACKAGE_VERSION = "4.41101.0"


@dataclass(frozen=True)
class PioCore:
    core_dir: Path
    platform_dir: Path
    toolchain_dir: Path

    def environ(self, base: dict[str, str] | None = None) -> dict[str, str]:
        """Environment for every `pio` call: local core, no telemetry, no update checks."""
        env = dict(os.environ if base is None else base)
        env.update({
            "PLATFORMIO_CORE_DIR": str(self.core_dir),
            "PLATFORMIO_SETTING_ENABLE_TELEMETRY": "no",
            "PLATFORMIO_SETTING_CHECK_PLATFORMIO_INTERVAL": "36500",
            "PLATFORMIO_SETTING_CHECK_PRUNE_SYSTEM_THRESHOLD": "0",
            "PLATFORMIO_SETTING_ENABLE_CACHE": "no",
            "PLATFORMIO_NO_ANSI": "true",
            "PLATFORMIO_DISABLE_PROGRESSBAR": "true",
        })
        return env


def _write_json(path: Path, data: dict) -> bool:
    text = json.dumps(data, indent=2, sort_keys=True) + "\n"
    if path.is_file() and path.read_text() == text:
        return False
    path.write_text(text)
    return True


def _seed_scons(packages: Path) -> bool:
    pkg = packages / "tool-scons"
    changed = False
    src = Path(SCons.__file__).parent
    dst = pkg / "SCons"
    stamp = pkg / ".mcuforge-scons-source"
    if not dst.is_dir() or not stamp.is_file() or stamp.read_text() != str(src):
        if dst.exists():
            shutil.rmtree(dst)
        pkg.mkdir(parents=True, exist_ok=True)
        shutil.copytree(src, dst, ignore=shutil.ignore_patterns("__pycache__"))
        stamp.write_text(str(src))
        changed = True
    entry = pkg / "scons.py"
    entry_text = (
        "# Entry point PlatformIO runs; SCons is copied beside it from pip's install (offline seed).\n"
        "import os, sys\n"
        "sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))\n"
        "import SCons.Script\n"
        "SCons.Script.main()\n"
    )
    if not entry.is_file() or entry.read_text() != entry_text:
        entry.write_text(entry_text)
        changed = True
    changed |= _write_json(pkg / "package.json", {
        "name": "tool-scons", "version": SCONS_PACKAGE_VERSION,
        "description": "SCons seeded offline from pip's SCons"})
    changed |= _write_json(pkg / ".piopm", {
        "type": "tool", "name": "tool-scons", "version": SCONS_PACKAGE_VERSION,
        "spec": {"owner": "platformio", "id": None, "name": "tool-scons",
                 "requirements": None, "uri": None}})
    return changed


def _seed_toolchain(packages: Path) -> bool:
    pkg = packages / "toolchain-gccarmnoneeabi"
    bindir = pkg / "bin"
    bindir.mkdir(parents=True, exist_ok=True)
    changed = False
    for tool in TOOLCHAIN_TOOLS:
        target = shutil.which(TOOLCHAIN_PREFIX + tool)
        if target is None:
            continue
        link = bindir / (TOOLCHAIN_PREFIX + tool)
        if link.is_symlink() and os.readlink(link) == target:
            continue
        if link.exists() or link.is_symlink():
            link.unlink()
        link.symlink_to(target)
        changed = True
    changed |= _write_json(pkg / "package.json", {
        "name": "toolchain-gccarmnoneeabi", "version": "1.120201.0",
        "description": "Debian's arm-none-eabi GCC exposed as a PlatformIO package (symlinks)"})
    return changed


def require_cross_compiler() -> None:
    """Cortex-M builds need Debian's arm-none-eabi GCC (host builds do not)."""
    if shutil.which(TOOLCHAIN_PREFIX + "gcc") is None:
        raise McuforgeError("arm-none-eabi-gcc is not installed",
                            hint="run ./setup.sh (it installs Debian's gcc-arm-none-eabi), or "
                                 "`apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi`")


def require_compiler(board: "Board") -> None:
    """The compiler a board's build runs: none to check for the host board (the build machine's gcc),
    arm-none-eabi-gcc for Cortex-M boards, `<triplet>-gcc` for Linux boards."""
    if board.linux is not None:
        if shutil.which(board.linux.compiler) is None:
            raise McuforgeError(f"{board.linux.compiler} is not installed (needed to build for {board.name})",
                                hint=f"run ./setup.sh, or `apt-get install {board.linux.compiler_package}`")
    elif not board.hosted:
        require_cross_compiler()


def ensure_core(core_dir: Path = CORE_DIR, cross: bool = True) -> tuple[PioCore, bool]:
    """Create or refresh the offline core; returns the core and whether anything changed. `cross`:
    the cross compiler must be there (setup.sh); without it the core serves host builds only."""
    if cross:
        require_cross_compiler()
    packages = core_dir / "packages"
    packages.mkdir(parents=True, exist_ok=True)
    changed = _seed_scons(packages)
    changed |= _seed_toolchain(packages)
    core = PioCore(core_dir=core_dir, platform_dir=PLATFORM_DIR,
                   toolchain_dir=packages / "toolchain-gccarmnoneeabi")
    return core, changed


def core() -> PioCore:
    """The seeded core (an installed mcuforge seeds it now); raises with the fix when setup has not run."""
    if not (CORE_DIR / "packages" / "tool-scons" / "scons.py").is_file():
        if installed():
            return ensure_core(cross=False)[0]
        raise McuforgeError("the offline PlatformIO core is not set up",
                            hint="run ./setup.sh")
    return PioCore(core_dir=CORE_DIR, platform_dir=PLATFORM_DIR,
                   toolchain_dir=CORE_DIR / "packages" / "toolchain-gccarmnoneeabi")
