"""Flash and RAM use of a linked firmware, from its sections (pyelftools)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from elftools.elf.constants import SH_FLAGS
from elftools.elf.elffile import ELFFile


@dataclass(frozen=True)
class SectionSize:
    name: str
    size: int
    flash: bool  # occupies flash (loaded contents)
    ram: bool    # occupies RAM at run time
    addr: int = 0  # run-time address


@dataclass(frozen=True)
class ElfSizes:
    sections: tuple[SectionSize, ...]

    @property
    def flash_bytes(self) -> int:
        return sum(s.size for s in self.sections if s.flash)

    @property
    def ram_bytes(self) -> int:
        return sum(s.size for s in self.sections if s.ram)

    def ram_in(self, origin: int, size: int) -> int:
        """RAM the sections placed in [origin, origin + size) take."""
        return sum(s.size for s in self.sections if s.ram and origin <= s.addr < origin + size)

    def section(self, name: str) -> int:
        return sum(s.size for s in self.sections if s.name == name)


def elf_sizes(path: Path) -> ElfSizes:
    out = []
    with open(path, "rb") as f:
        elf = ELFFile(f)
        for sec in elf.iter_sections():
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC or sec["sh_size"] == 0:
                continue
            nobits = sec["sh_type"] == "SHT_NOBITS"
            writable = bool(flags & SH_FLAGS.SHF_WRITE)
            out.append(SectionSize(name=sec.name, size=sec["sh_size"], flash=not nobits, ram=writable,
                                   addr=sec["sh_addr"]))
    return ElfSizes(tuple(out))

