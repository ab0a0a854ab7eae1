"""Flash and RAM by component, and the memory map, from the GNU ld map file the build writes
(``firmware.map``), the ELF and the build report.

Every input section the linker placed (after "Linker script and memory map") is attributed to a
component by the object file it came from (``COMPONENTS``: generated weights, generated model code
and parameters, the arena, kernels, runtime, startup, board support, the C library) and counted in
flash and/or RAM according to its output section's flags in the ELF (``.data`` is in both: its
initial values in flash, the variables in RAM). The stack is added from the build report: the
linker script reserves it, no section holds it.

:func:`memory_map` places the same input sections at their addresses in the board's regions (flash
and every RAM region, from report.json) and names what each range holds and whose it is: the
model's (weights, params, the generated code, kernels, the arena, state) or the harness's that
measures it (runtime and protocol buffers, input staging, startup, board support, C library, the
stack, from the ELF's ``__stack_bottom__``/``__stack_top__``).
"""

from __future__ import annotations

import enum
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from codegen.elfsize import elf_sizes, elf_symbols
from codegen.kernels import KernelVariant

if TYPE_CHECKING:
    from codegen.report import BuildReport


@dataclass(frozen=True)
class Placed:
    """One input section in the output: a function or an object, usually (-ffunction-sections)."""

    section: str        # input section: .text.mf_conv2d_s8
    output: str         # output section: .text
    size: int
    obj: str            # the object file or archive member
    component: str
    address: int = 0    # where it runs (the VMA)


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

    def to_json(self) -> dict[str, Any]:
        return {"flash": [list(x) for x in self.flash], "ram": [list(x) for x in self.ram],
                "largest": [vars(p) for p in self.largest]}

    @staticmethod
    def from_json(d: dict[str, Any]) -> "Breakdown":
        return Breakdown(flash=tuple((str(c), int(b)) for c, b in d["flash"]),
                         ram=tuple((str(c), int(b)) for c, b in d["ram"]),
                         largest=tuple(Placed(**p) for p in d["largest"]))


# (component, pattern on the input section name + " " + object path); first match wins
COMPONENTS: tuple[tuple[str, re.Pattern], ...] = tuple((name, re.compile(rx)) for name, rx in (
    ("arena", r"^\S*_arena "),
    ("weights", r"/src/\w+_weights\.o"),
    ("model", r"/src/\w+_model\.o"),
    ("kernels", r"/(" + "|".join(KernelVariant) + r")/mf_\w+\.o"),
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
                    out.append(Placed(pending, output, size, m.group(3).strip(), component_of(pending, m.group(3)),
                                      int(m.group(1), 16)))
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
                out.append(Placed(m.group(1), output, size, m.group(4).strip(), component_of(m.group(1), m.group(4)),
                                  int(m.group(2), 16)))
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


# --- the memory map ------------------------------------------------------------------------------------

class Owner(enum.StrEnum):
    MODEL = "model"        # what a deployment of the model keeps
    HARNESS = "harness"    # what mcuforge adds to measure it: protocol, staging, startup, the stack


@dataclass(frozen=True)
class Kind:
    """What an address range holds: its name, whose it is, and the group the map draws it in."""

    name: str
    owner: Owner
    group: str


# every kind the map knows, in the legend's order
KINDS: tuple[Kind, ...] = (
    Kind("weights", Owner.MODEL, "weights & params"),
    Kind("params", Owner.MODEL, "weights & params"),
    Kind("model code", Owner.MODEL, "model code"),
    Kind("kernels", Owner.MODEL, "kernels"),
    Kind("arena", Owner.MODEL, "arena"),
    Kind("model state", Owner.MODEL, "model state"),
    Kind("protocol buffers", Owner.HARNESS, "protocol buffers"),
    Kind("input staging", Owner.HARNESS, "input staging"),
    Kind("stack", Owner.HARNESS, "stack"),
    Kind("runtime", Owner.HARNESS, "harness code & data"),
    Kind("startup & faults", Owner.HARNESS, "harness code & data"),
    Kind("board support", Owner.HARNESS, "harness code & data"),
    Kind("C library", Owner.HARNESS, "harness code & data"),
    Kind("other", Owner.HARNESS, "harness code & data"),
)
KIND = {k.name: k for k in KINDS}
GROUPS: tuple[str, ...] = tuple(dict.fromkeys(k.group for k in KINDS))
GROUP_OWNER = {k.group: k.owner for k in KINDS}
STAGING = "g_staging"   # firmware/runtime/main.c: the input staging buffer
MERGE_GAP = 64          # bytes of alignment fill a block may span


@dataclass(frozen=True)
class Block:
    """A range of consecutive addresses holding one group (the fill between its pieces included);
    `parts`: the bytes of each kind in it."""

    start: int
    size: int
    group: str
    parts: tuple[tuple[str, int], ...]

    @property
    def end(self) -> int:
        return self.start + self.size

    @property
    def owner(self) -> Owner:
        return GROUP_OWNER[self.group]


@dataclass(frozen=True)
class RegionMap:
    name: str          # flash, ram, sram2, ...
    origin: int
    size: int          # the budget
    blocks: tuple[Block, ...]   # in address order

    @property
    def used(self) -> int:
        return sum(b.size for b in self.blocks)

    def owned(self, owner: Owner) -> int:
        return sum(b.size for b in self.blocks if b.owner == owner)


@dataclass(frozen=True)
class MemoryMap:
    regions: tuple[RegionMap, ...]   # flash first, then the RAM regions as the board lists them

    def kinds(self, region: str) -> dict[str, int]:
        """Bytes of each kind in a region."""
        out: dict[str, int] = defaultdict(int)
        for r in self.regions:
            if r.name == region:
                for b in r.blocks:
                    for k, n in b.parts:
                        out[k] += n
        return dict(out)

    def to_json(self) -> dict[str, Any]:
        return {"regions": [{"name": r.name, "origin": r.origin, "size": r.size,
                             "blocks": [{"start": b.start, "size": b.size, "group": b.group,
                                         "parts": [list(p) for p in b.parts]} for b in r.blocks]}
                            for r in self.regions]}

    @staticmethod
    def from_json(d: dict[str, Any]) -> "MemoryMap":
        return MemoryMap(tuple(RegionMap(str(r["name"]), int(r["origin"]), int(r["size"]), tuple(
            Block(int(b["start"]), int(b["size"]), str(b["group"]), tuple((str(k), int(n)) for k, n in b["parts"]))
            for b in r["blocks"])) for r in d["regions"]))


def kind_of(p: Placed, symbol: str | None, ram: bool, build: "BuildReport") -> str:
    """What an input section holds; `symbol`: the data object at its address (None: a function or
    unnamed data); `ram`: its output section is in RAM (variables) rather than flash only."""
    name = symbol or p.section.rsplit(".", 1)[-1]
    if p.component == "arena" or (build.prefix and name == f"{build.prefix}_arena"):
        return "arena"
    if p.component == "weights":
        return "params" if name in build.params_symbols else "weights"
    if p.component == "model":
        return "model state" if ram else "model code"
    if p.component == "runtime" and ram:
        return "input staging" if name == STAGING else "protocol buffers"
    return p.component if p.component in KIND else "other"


def _merge(pieces: list[tuple[int, int, str]]) -> tuple[Block, ...]:
    """(address, size, kind) pieces into blocks of one group each, in address order."""
    out: list[tuple[int, int, str, dict[str, int]]] = []
    for start, size, kind in sorted(pieces):
        group = KIND[kind].group
        if out and out[-1][2] == group and start - out[-1][1] <= MERGE_GAP:
            s0, e0, g, parts = out[-1]
            parts[kind] = parts.get(kind, 0) + size
            out[-1] = (s0, max(e0, start + size), g, parts)
        else:
            out.append((start, start + size, group, {kind: size}))
    return tuple(Block(s, e - s, g, tuple(sorted(p.items(), key=lambda kv: (-kv[1], kv[0])))) for s, e, g, p in out)


def memory_map(map_file: Path, elf: Path, build: "BuildReport") -> MemoryMap | None:
    """The firmware's regions with what each address range holds; None without a map file, an ELF or
    the regions' addresses (a host build, or a report.json from before they were recorded)."""
    if build.flash_origin is None or not build.ram_regions or not Path(map_file).is_file() or not Path(elf).is_file():
        return None
    sections = {s.name: s for s in elf_sizes(elf).sections}
    symbols = elf_symbols(elf)
    objects = {a: n for n, (a, size) in symbols.items() if size}
    pieces: list[tuple[int, int, str]] = []
    for p in parse_map(Path(map_file).read_text(errors="replace")):
        sec = sections.get(p.output)
        if sec is None:
            continue  # not allocated, or discarded
        kind = kind_of(p, objects.get(p.address), sec.ram, build)
        if sec.ram:
            pieces.append((p.address, p.size, kind))
        if sec.flash:  # code and constants; for .data, the initial values copied to RAM at start-up
            pieces.append((p.address - sec.addr + sec.load_addr, p.size, kind))
    if "__stack_bottom__" in symbols and "__stack_top__" in symbols:
        bottom, top = symbols["__stack_bottom__"][0], symbols["__stack_top__"][0]
        pieces.append((bottom, top - bottom, "stack"))
    regions = [(("flash", build.flash_origin, build.flash_budget or 0))] + \
              [(r.name, r.origin, r.size) for r in build.ram_regions]
    out = []
    for name, origin, size in regions:
        inside = [x for x in pieces if origin <= x[0] < origin + size]
        out.append(RegionMap(name, origin, size, _merge(inside)))
    return MemoryMap(tuple(out))
