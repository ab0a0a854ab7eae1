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
    load_addr: int = 0  # where its contents are stored (flash for .data); = addr for the others


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
        loads = [(s["p_vaddr"], s["p_paddr"], s["p_memsz"]) for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
        for sec in elf.iter_sections():
            flags = sec["sh_flags"]
            if not flags & SH_FLAGS.SHF_ALLOC or sec["sh_size"] == 0:
                continue
            nobits = sec["sh_type"] == "SHT_NOBITS"
            writable = bool(flags & SH_FLAGS.SHF_WRITE)
            addr = sec["sh_addr"]
            lma = next((p + addr - v for v, p, n in loads if v <= addr < v + max(n, 1)), addr)
            out.append(SectionSize(name=sec.name, size=sec["sh_size"], flash=not nobits, ram=writable,
                                   addr=addr, load_addr=lma))
    return ElfSizes(tuple(out))


def elf_symbols(path: Path) -> dict[str, tuple[int, int]]:
    """Data objects and linker-script symbols by name: (address, size); a name defined twice (two
    `static` objects in two files) keeps the first."""
    out: dict[str, tuple[int, int]] = {}
    with open(path, "rb") as f:
        tab = ELFFile(f).get_section_by_name(".symtab")
        if tab is None:
            return out
        for s in tab.iter_symbols():
            kind = s["st_info"]["type"]
            if s.name and kind in ("STT_OBJECT", "STT_NOTYPE") and s.name not in out:
                out[s.name] = (s["st_value"], s["st_size"])
    return out

