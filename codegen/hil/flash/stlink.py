"""ST-LINK probes through stlink-tools' `st-flash` (the raw binary, written at the start of flash)."""

from __future__ import annotations

from dataclasses import dataclass

from codegen.hil.flash import FlashFiles, FlashTool, register


@dataclass(frozen=True)
class StlinkSettings:
    """`[upload.stlink]`: nothing to set (the binary goes to the board's `memory.flash` origin)."""


def _arguments(settings: StlinkSettings, files: FlashFiles) -> list[str]:
    return ["--reset", "--connect-under-reset", "write", files.bin, hex(files.flash_origin)]


def _with_probe(args: list[str], serial: str) -> list[str]:
    return ["--serial", serial, *args]


register(FlashTool(name="stlink", program="st-flash", install_hint="setup.sh installs Debian's stlink-tools",
                   settings=StlinkSettings, arguments=_arguments, with_probe=_with_probe))
