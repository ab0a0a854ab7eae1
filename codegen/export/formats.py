"""The library formats: where each puts the headers and sources, and which build files it renders.

A format is data here (a registry keyed by :class:`ExportFormat`); what its files say is in
templates/export/<format>/ and its README in templates/export/readme/<format>.md.j2.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass



class ExportFormat(enum.StrEnum):
    """`--format` / `export=`: what the library is for."""

    CMAKE = "cmake"
    PLATFORMIO = "platformio"
    ARDUINO = "arduino"
    ZIP = "zip"


@dataclass(frozen=True)
class FormatSpec:
    title: str                          # what the user gets ("a CMake package")
    include_dir: str                    # public headers: the model's header, mcuforge/*.h
    source_dir: str                     # the model's C and kernels/<variant>/ (their private headers beside them)
    files: tuple[tuple[str, str], ...]  # (template under templates/export/, path in the library; {name}: its name)
    archive: bool = False               # the library goes into <name>.zip, with <name>/ as its top folder


FORMATS: dict[ExportFormat, FormatSpec] = {
    ExportFormat.CMAKE: FormatSpec(
        "a CMake package", "include", "src",
        (("cmake/CMakeLists.txt.j2", "CMakeLists.txt"), ("cmake/targets.cmake.j2", "{name}Targets.cmake"),
         ("cmake/config.cmake.j2", "{name}Config.cmake"), ("readme/cmake.md.j2", "README.md"))),
    ExportFormat.PLATFORMIO: FormatSpec(
        "a PlatformIO library", "include", "src",
        (("platformio/library.json.j2", "library.json"), ("readme/platformio.md.j2", "README.md"))),
    ExportFormat.ARDUINO: FormatSpec(
        "an Arduino library", "src", "src",
        (("arduino/library.properties.j2", "library.properties"), ("readme/arduino.md.j2", "README.md"))),
    ExportFormat.ZIP: FormatSpec(
        "a zip with a Makefile", "include", "src",
        (("zip/Makefile.j2", "Makefile"), ("readme/zip.md.j2", "README.md")), archive=True),
}
