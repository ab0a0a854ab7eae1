"""pyOCD (CMSIS-DAP, ST-LINK and J-Link probes) with the MCU's pyOCD target name."""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.hil.flash import FlashFiles, FlashTool, register


@dataclass(frozen=True)
class PyocdSettings:
    """`[upload.pyocd]`: the MCU as pyOCD names it (`pyocd list --targets`)."""

    target: str = field(metadata={"doc": "pyOCD's target name, e.g. \"stm32l475xg\""})


def _arguments(settings: PyocdSettings, files: FlashFiles) -> list[str]:
    return ["flash", "--target", settings.target, files.elf]


def _with_probe(args: list[str], serial: str) -> list[str]:
    return [args[0], "--uid", serial, *args[1:]]  # an option of the `flash` subcommand


register(FlashTool(name="pyocd", program="pyocd", install_hint="`.venv/bin/pip install pyocd`",
                   settings=PyocdSettings, arguments=_arguments, with_probe=_with_probe))
