"""Addresses to function names, from the firmware's ELF symbol table (pyelftools): turns a fault's
``pc`` and ``lr`` into ``mf_conv2d_s8+0x1a``."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from elftools.elf.elffile import ELFFile


@dataclass(frozen=True)
class Symbol:
    name: str
    address: int
    size: int


@lru_cache(maxsize=8)
def _functions(path: Path, mtime: float) -> tuple[Symbol, ...]:
    out = []
    with open(path, "rb") as f:
        elf = ELFFile(f)
        symtab = elf.get_section_by_name(".symtab")
        if symtab is None:
            return ()
        for sym in symtab.iter_symbols():
            if sym["st_info"]["type"] == "STT_FUNC" and sym["st_size"] and sym.name:
                out.append(Symbol(sym.name, sym["st_value"] & ~1, sym["st_size"]))  # drop the Thumb bit
    return tuple(sorted(out, key=lambda s: s.address))


def functions(elf: Path) -> tuple[Symbol, ...]:
    p = Path(elf)
    if not p.is_file():
        return ()
    try:
        return _functions(p, p.stat().st_mtime)
    except Exception:  # noqa: BLE001 - not an ELF (a host program on another platform): no names
        return ()


def symbolize(elf: Path, address: int) -> str | None:
    """``name+0xoffset`` of the function holding `address`, or None."""
    a = address & ~1
    for s in functions(elf):
        if s.address <= a < s.address + s.size:
            return f"{s.name}+0x{a - s.address:x}"
    return None
