"""OpenOCD with an interface (the probe) and a target (the MCU) script from its script library."""

from __future__ import annotations

from dataclasses import dataclass, field

from codegen.hil.flash import FlashFiles, FlashTool, register


@dataclass(frozen=True)
class OpenocdSettings:
    """`[upload.openocd]`: the two scripts OpenOCD needs for this board."""

    interface: str = field(metadata={"doc": "the probe's interface script, e.g. \"interface/stlink.cfg\""})
    target: str = field(metadata={"doc": "the MCU's target script, e.g. \"target/stm32l4x.cfg\""})


def _arguments(settings: OpenocdSettings, files: FlashFiles) -> list[str]:
    return ["-f", settings.interface, "-f", settings.target, "-c", f"program {files.elf} verify reset exit"]


def _with_probe(args: list[str], serial: str) -> list[str]:
    return ["-c", f"adapter serial {serial}", *args]  # before the interface script opens the probe


register(FlashTool(name="openocd", program="openocd", install_hint="setup.sh installs Debian's openocd",
                   settings=OpenocdSettings, arguments=_arguments, with_probe=_with_probe))
