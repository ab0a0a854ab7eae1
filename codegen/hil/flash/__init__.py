"""Flash tools: one small module per upload protocol, registered here.

Each tool module registers one :class:`FlashTool` and owns everything about its tool: the program it
runs (``program``), what to say when that program is missing (``install_hint``), its own table in a
board file (``[upload.<protocol>]``, described by its ``settings`` dataclass: one string field per key,
required when it has no default, documented in the field's metadata) and the program's arguments
(``arguments``). The board schema checks a board's ``[upload.<protocol>]``
tables against these dataclasses when the board is loaded; :func:`upload_command` computes the
command line that PlatformIO's builder (pio-platform/builder/main.py) runs for ``pio run -t upload``.

Adding a protocol = one module here (plus the board files that use it, and its table's rows in
boards/README.md, which a test asks for).
"""

from __future__ import annotations

import dataclasses
import shlex
from dataclasses import dataclass
from typing import Any, Callable

from codegen.errors import McuforgeError
from codegen.plugins import Registry

# The firmware as PlatformIO's builder has just built it ($BUILD_DIR is expanded by the builder).
BUILD_DIR = "$BUILD_DIR"


@dataclass(frozen=True)
class FlashFiles:
    """What a flash tool may write: the firmware in each format, and where the board's flash starts."""

    elf: str
    bin: str
    hex: str
    flash_origin: int

    @staticmethod
    def built(flash_origin: int) -> "FlashFiles":
        """The files of PlatformIO's build directory (paths the builder expands)."""
        return FlashFiles(elf=f"{BUILD_DIR}/firmware.elf", bin=f"{BUILD_DIR}/firmware.bin",
                          hex=f"{BUILD_DIR}/firmware.hex", flash_origin=flash_origin)


@dataclass(frozen=True)
class FlashTool:
    """One upload protocol's tool (a module of this package registers one)."""

    name: str            # the upload protocol, as board files name it
    program: str         # the executable the command runs
    install_hint: str    # how to get `program` when it is missing
    settings: type       # a frozen dataclass of str fields: the board's [upload.<name>] table
    arguments: Callable[[Any, FlashFiles], list[str]]  # the program's arguments for these settings and files
    # the arguments made to pick one probe by its serial number (the hardware map's `probe`), or None:
    # the tool cannot, and a probe given to it is refused
    with_probe: Callable[[list[str], str], list[str]] | None = None

    def command(self, settings: Any, files: FlashFiles, probe: str | None = None) -> list[str]:
        """The command line that writes `files` to the board (argv, not a shell string), through the
        probe with serial number `probe` (None: the one attached)."""
        args = self.arguments(settings, files)
        if probe is not None:
            if self.with_probe is None:
                raise McuforgeError(f"the {self.name} flash tool cannot pick a probe by its serial number ({probe})",
                                    hint="leave `probe` out of the hardware map (one probe attached), or use "
                                         "another upload protocol (upload=)")
            args = self.with_probe(args, probe)
        return [self.program, *args]


_TOOLS: Registry[FlashTool] = Registry(__name__, "flash tool", skip=("upload",))


def register(tool: FlashTool) -> FlashTool:
    return _TOOLS.register(tool.name, tool)


def tools() -> dict[str, FlashTool]:
    """Every flash tool, by protocol name."""
    return dict(sorted(_TOOLS.entries().items()))


def flash_tool(protocol: str) -> FlashTool:
    known = tools()
    if protocol not in known:
        raise McuforgeError(f"no flash tool for upload protocol {protocol!r}",
                            hint="known protocols: " + ", ".join(known) + " (codegen/hil/flash/<protocol>.py)")
    return known[protocol]


@dataclass(frozen=True)
class SettingField:
    """One key of a tool's board table: its name, whether a board must give it, what it means."""

    name: str
    required: bool
    doc: str


def setting_fields(tool: FlashTool) -> tuple[SettingField, ...]:
    """The keys of `[upload.<tool>]` in a board file, from the tool's settings dataclass."""
    return tuple(SettingField(f.name, f.default is dataclasses.MISSING, f.metadata.get("doc", ""))
                 for f in dataclasses.fields(tool.settings))


def upload_command(protocol: str, settings: Any, files: FlashFiles, probe: str | None = None) -> str:
    """The shell command line (for the PlatformIO builder's UPLOADCMD) that flashes `files` with
    `protocol`'s tool and the board's `settings` for it (through the probe with serial number `probe`).
    `$` is SCons's: only $BUILD_DIR stays live."""
    argv = flash_tool(protocol).command(settings, files, probe)
    line = shlex.join(argv).replace("$", "$$")
    return line.replace(f"$${BUILD_DIR[1:]}", BUILD_DIR)
