"""Flash and RAM by component, from the GNU ld map file the build writes (``firmware.map``).

Every input section the linker placed (after "Linker script and memory map") is attributed to a
component by the object file it came from (``COMPONENTS``: generated weights, generated model code
and parameters, the arena, kernels, runtime, startup, board support, the C library) and counted in
flash and/or RAM according to its output section's flags in the ELF (``.data`` is in both: its
initial values in flash, the variables in RAM). The stack is added from the build report: the
linker script reserves it, no section holds it.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

from codegen.elfsize import elf_sizes


@dataclass(frozen=True)
class Placed:
    """One input section in the output: a function or an object, usually (-ffunction-sections)."""

    section: str        # input section: .text.mf_conv2d_s8
    output: str         # output section: .text
    size: int
    obj: str            # the object file or archive member
    component: str


@dataclass(frozen=True)
class Breakdown:
    flash: tuple[tuple[str, int], ...]   # (component, bytes), largest first
    ram: tuple[tuple[str, int], ...]
    largest: tuple[Placed, ...]          # the biggest input sections

    @property
    def flash_total(self) -> int:
        return sum(b for _, b in self.flash)

    @property
    def ram_total(self) -> int:
        return sum(b for _, b in self.ram)


# (component, pattern on the input section name + " " + object path); first match wins
COMPONENTS: tuple[tuple[str, re.Pattern], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("arena", r"^\S*_arena "),
    ("weights", r"/src/\w+_weights\.o"),
    ("model", r"/src/\w+_model\.o"),
    ("kernels", r"/(reference|dsp)/mf_\w+\.o"),
    ("runtime", r"/runtime/\w+\.o"),
    ("startup & faults", r"/cortexm/\w+\.o"),
    ("board support", r"/board\.o"),
    ("C library", r"(lib\w+\.a|crt\w*\.o|/usr/lib)"),
))

_START = "Linker script and memory map"
_OUT = re.compile(r"^(\.\S+|[A-Za-z_]\S*)(?:\s+0x([0-9a-f]+)\s+0x([0-9a-f]+))?")
_IN_FULL = re.compile(r"^ (\S+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")
_IN_NAME = re.compile(r"^ (\S+)$")
_IN_REST = re.compile(r"^\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S.*)$")


def component_of(section: str, obj: str) -> str:
    key = f"{section} {obj}"
    for name, rx in COMPONENTS:
        if rx.search(key):
            return name
    return "other"


def parse_map(text: str) -> list[Placed]:
    """Input sections with a size, in the order the map lists them."""
    out: list[Placed] = []
    lines = text.splitlines()
    try:
        i = next(k for k, ln in enumerate(lines) if ln.startswith(_START)) + 1
    except StopIteration:
        return out
    output = ""
    pending: str | None = None
    for line in lines[i:]:
        if not line.strip():
            continue
        if pending is not None:
            m = _IN_REST.match(line)
            if m:
                size = int(m.group(2), 16)
                if size:
                    out.append(Placed(pending, output, size, m.group(3).strip(), component_of(pending, m.group(3))))
            pending = None
            continue
        if not line[0].isspace():
            m = _OUT.match(line)
            if m and line[0] == ".":
                output = m.group(1)
            continue
        if line.startswith(" *") or line.startswith("  "):
            continue  # *fill*, *(patterns), symbol lines
        m = _IN_FULL.match(line)
        if m:
            size = int(m.group(3), 16)
            if size and not m.group(4).startswith("load address"):
                out.append(Placed(m.group(1), output, size, m.group(4).strip(), component_of(m.group(1), m.group(4))))
            continue
        m = _IN_NAME.match(line)
        if m:
            pending = m.group(1)
    return out


def breakdown(map_file: Path, elf: Path, stack_bytes: int | None = None, top: int = 12) -> Breakdown:
    """Flash and RAM per component of a linked firmware."""
    placed = parse_map(Path(map_file).read_text(errors="replace")) if Path(map_file).is_file() else []
    regions = {s.name: s for s in elf_sizes(elf).sections} if Path(elf).is_file() else {}
    flash: dict[str, int] = defaultdict(int)
    ram: dict[str, int] = defaultdict(int)
    counted: list[Placed] = []
    for p in placed:
        sec = regions.get(p.output)
        if sec is None:
            continue  # not allocated (debug info, attributes) or discarded
        if sec.flash:
            flash[p.component] += p.size
        if sec.ram:
            ram[p.component] += p.size
        counted.append(p)
    if regions:  # alignment fill and anything the map did not name
        rest_flash = sum(r.size for r in regions.values() if r.flash) - sum(flash.values())
        rest_ram = sum(r.size for r in regions.values() if r.ram) - sum(ram.values())
        if rest_flash > 0:
            flash["padding & other"] += rest_flash
        if rest_ram > 0:
            ram["padding & other"] += rest_ram
    if stack_bytes:
        ram["stack"] += stack_bytes

    def order(d: dict[str, int]) -> tuple[tuple[str, int], ...]:
        return tuple(sorted(((k, v) for k, v in d.items() if v), key=lambda kv: (-kv[1], kv[0])))

    largest = tuple(sorted(counted, key=lambda p: -p.size)[:top])
    return Breakdown(flash=order(flash), ram=order(ram), largest=largest)
