"""The board schema and loader.

A board file is TOML; every field is checked when it is loaded, and a malformed file gets an error
naming the file, the field and the expected form. Keys of the family-specific tables `[clock]`,
`[console]` and `[timing_pin]` pass through to C as `MF_CLOCK_<KEY>` etc. (see `config_defines`).
"""

from __future__ import annotations

import enum
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, Mapping

from codegen.boards.cores import CORES, Core
from codegen.errors import McuforgeError
from codegen.hil.flash import setting_fields
from codegen.resources import BOARDS_DIR, FIRMWARE_DIR
from codegen.hil.flash import tools as flash_tools

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*\Z")
_KEY = re.compile(r"[a-z][a-z0-9_]*\Z")
_PIN_STM = re.compile(r"P([A-K])(\d{1,2})\Z")
_PIN_NRF = re.compile(r"P(\d)\.(\d{1,2})\Z")
_TRIPLET = re.compile(r"[a-z0-9_]+(-[a-z0-9_]+){2,3}\Z")


class BoardError(McuforgeError):
    pass


@dataclass(frozen=True)
class MemoryRegion:
    name: str
    origin: int
    size: int

    @property
    def end(self) -> int:
        return self.origin + self.size


@dataclass(frozen=True)
class UsbId:
    vid: int
    pid: int


@dataclass(frozen=True)
class Emulator:
    machine: str
    args: tuple[str, ...] = ()


@dataclass(frozen=True)
class Upload:
    """`[upload]`: how a real board is flashed and found. `settings` holds, per protocol, the flash
    tool's own settings (its `[upload.<protocol>]` table, typed by the tool: codegen/hil/flash/)."""

    protocol: str
    protocols: tuple[str, ...]
    usb: tuple[UsbId, ...] = ()
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))


class BoardKind(enum.StrEnum):
    """What a board runs: bare-metal firmware on a microcontroller, or a program under Linux."""

    MCU = "mcu"
    LINUX = "linux"


@dataclass(frozen=True)
class Arch:
    """A Linux CPU architecture: what `uname -m` may say on such a board, and the QEMU user-mode
    emulator that runs its programs here (toolchain knowledge, not board data)."""

    name: str                        # as the board file says it (`uname -m` of a typical board)
    uname: tuple[str, ...]           # every `uname -m` that runs this architecture's programs natively
    qemu: str                        # the QEMU user-mode emulator (Debian qemu-user)


ARCHES: dict[str, Arch] = {a.name: a for a in (
    Arch("aarch64", ("aarch64", "arm64"), "qemu-aarch64"),
    Arch("armv7l", ("armv7l", "armv8l"), "qemu-arm"),
    Arch("x86_64", ("x86_64", "amd64"), "qemu-x86_64"),
)}


@dataclass(frozen=True)
class LinuxTarget:
    """`[linux]`: a board that runs Linux. The generated C and the runtime are cross-compiled with
    `<triplet>-gcc` (statically linked: the binary runs on any of the board's C libraries) and run
    as a process speaking the device protocol on its stdio."""

    arch: Arch
    triplet: str                     # aarch64-linux-gnu: the compiler is aarch64-linux-gnu-gcc
    cflags: tuple[str, ...] = ()     # -mcpu=cortex-a72
    emulator_cpu: str | None = None  # QEMU user mode's -cpu for this board; None: not emulated

    @property
    def emulated(self) -> bool:
        return self.emulator_cpu is not None

    @property
    def compiler(self) -> str:
        return f"{self.triplet}-gcc"

    @property
    def compiler_package(self) -> str:
        """Debian's package of the cross compiler (gcc-aarch64-linux-gnu, gcc-x86-64-linux-gnu)."""
        return "gcc-" + self.triplet.replace("_", "-")


@dataclass(frozen=True)
class Board:
    name: str
    title: str
    vendor: str
    mcu: str
    family: str
    core: Core
    cpu_hz: int
    counter_hz: int
    path: Path
    flash: MemoryRegion | None = None
    ram: MemoryRegion | None = None
    extra_ram: tuple[MemoryRegion, ...] = ()
    clock: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    console: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    timing_pin: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    emulator: Emulator | None = None
    upload: Upload | None = None
    platformio_board: str | None = None
    kind: BoardKind = BoardKind.MCU
    linux: LinuxTarget | None = None

    @property
    def hosted(self) -> bool:
        """The firmware is a program under an operating system (the host board, Linux boards): no
        linker script, no flash image, a console on stdio."""
        return self.core.toolchain == "host" or self.linux is not None

    @property
    def emulated(self) -> bool:
        return self.emulator is not None

    @property
    def real(self) -> bool:
        return self.upload is not None

    @property
    def native(self) -> bool:
        return self.core.toolchain == "host"

    @property
    def ram_total(self) -> int:
        return (self.ram.size if self.ram else 0) + sum(r.size for r in self.extra_ram)

    @property
    def here(self) -> str:
        """How this board runs on this machine (the boards table's `here` column)."""
        if self.linux is not None:
            return "Linux over SSH" + (" or QEMU user mode" if self.linux.emulated else " or this machine")
        return "native" if self.native else ("emulated + real" if self.emulated and self.real
                                             else "emulated" if self.emulated else "real (build only here)")


class _Reader:
    """Typed access to one TOML table with errors that name the file and the dotted field."""

    def __init__(self, path: Path, data: Mapping[str, Any], prefix: str = "") -> None:
        self.path, self.data, self.prefix = path, data, prefix

    def fail(self, key: str, expected: str, got: Any = None) -> BoardError:
        got_s = "" if got is None else f", got {got!r}"
        return BoardError(f"{self.path}: field `{self.prefix}{key}`: expected {expected}{got_s}",
                          hint=f"fix `{self.prefix}{key}` in {self.path.name} (see boards/README.md for the schema)")

    def get(self, key: str, check: Callable[[Any], bool], expected: str, required: bool = True,
            default: Any = None) -> Any:
        if key not in self.data:
            if required:
                raise self.fail(key, expected + " (the field is missing)")
            return default
        v = self.data[key]
        if not check(v):
            raise self.fail(key, expected, v)
        return v

    def str(self, key: str, required: bool = True, default: str | None = None) -> Any:
        return self.get(key, lambda v: isinstance(v, str) and v != "", "a non-empty string", required, default)

    def int(self, key: str, required: bool = True, minimum: int = 0) -> Any:
        return self.get(key, lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= minimum,
                        f"an integer >= {minimum}", required)

    def table(self, key: str, required: bool = True) -> "_Reader | None":
        v = self.get(key, lambda v: isinstance(v, dict), "a table", required)
        return None if v is None else _Reader(self.path, v, f"{self.prefix}{key}.")

    def str_list(self, key: str, required: bool = True) -> tuple[str, ...]:
        v = self.get(key, lambda v: isinstance(v, list) and all(isinstance(x, str) for x in v),
                     "a list of strings", required, [])
        return tuple(v)

    def unknown(self, allowed: set[str]) -> None:
        extra = sorted(set(self.data) - allowed)
        if extra:
            raise self.fail(extra[0], "no such field (allowed: " + ", ".join(sorted(allowed)) + ")")


def _region(r: _Reader, key: str, name: str | None = None) -> MemoryRegion:
    t = r.table(key)
    assert t is not None
    t.unknown({"origin", "size", "name"})
    return MemoryRegion(name=name or t.str("name"), origin=t.int("origin"), size=t.int("size", minimum=1))


def _passthrough(r: _Reader, key: str) -> Mapping[str, Any]:
    t = r.table(key, required=False)
    if t is None:
        return MappingProxyType({})
    for k, v in t.data.items():
        if not _KEY.match(k):
            raise t.fail(k, "a lower-case key of letters, digits and '_'")
        if isinstance(v, bool) or not isinstance(v, (int, str)):
            raise t.fail(k, "an integer or a string", v)
        if isinstance(v, str) and k in ("tx", "rx", "pin") and not (_PIN_STM.match(v) or _PIN_NRF.match(v)):
            raise t.fail(k, "a pin name like \"PB6\" or \"P0.13\"", v)
    return MappingProxyType(dict(t.data))


def _upload(up: _Reader) -> Upload:
    """`[upload]`: the protocols (each one a flash tool of codegen/hil/flash/), their own
    `[upload.<protocol>]` tables checked against the tool's settings, and the USB ids."""
    tools = flash_tools()
    up.unknown({"protocol", "protocols", "usb", *tools})
    usb_raw = up.get("usb", lambda v: isinstance(v, list) and all(
        isinstance(x, dict) and isinstance(x.get("vid"), int) and isinstance(x.get("pid"), int) for x in v),
        "a list of {vid = 0x..., pid = 0x...} tables", required=False, default=[])
    protocols = up.get("protocols", lambda v: isinstance(v, list) and all(x in tools for x in v),
                       "a list of upload protocols among " + ", ".join(tools), required=False, default=[])
    protocol = up.str("protocol")
    if protocols and protocol not in protocols:
        raise up.fail("protocol", "one of `upload.protocols` " + str(list(protocols)), protocol)
    if protocol not in tools:
        raise up.fail("protocol", "an upload protocol among " + ", ".join(tools), protocol)
    protocols = tuple(protocols) or (protocol,)
    settings = {}
    for name in tools:
        table = up.table(name, required=False)
        if table is not None and name not in protocols:
            raise up.fail(name, f"a protocol listed in `upload.protocols` {list(protocols)} (or no such table)")
        if name in protocols:
            settings[name] = _tool_settings(up, name, table)
    return Upload(protocol=protocol, protocols=protocols, usb=tuple(UsbId(x["vid"], x["pid"]) for x in usb_raw),
                  settings=MappingProxyType(settings))


def _tool_settings(up: _Reader, name: str, table: "_Reader | None") -> Any:
    """A flash tool's settings from its `[upload.<name>]` table (string keys its dataclass names)."""
    fields = setting_fields(flash_tools()[name])
    if table is None:
        if any(f.required for f in fields):
            raise up.fail(name, "a table with " + ", ".join(f.name for f in fields if f.required)
                          + f" (the {name} protocol needs them)")
        table = _Reader(up.path, {}, f"{up.prefix}{name}.")
    table.unknown({f.name for f in fields})
    values = {f.name: table.str(f.name, required=f.required) for f in fields if f.required or f.name in table.data}
    return flash_tools()[name].settings(**values)


def load_board_file(path: Path) -> Board:
    try:
        data = tomllib.loads(path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise BoardError(f"{path}: not valid TOML ({exc})", hint=f"fix the syntax of {path.name}") from None
    except OSError as exc:
        raise BoardError(f"{path}: cannot read ({exc})", hint="check the path") from None
    r = _Reader(path, data)
    kind = BoardKind(r.get("kind", lambda v: v in tuple(BoardKind), "one of " + ", ".join(BoardKind),
                           required=False, default=BoardKind.MCU.value))
    if kind == BoardKind.LINUX:
        return _linux_board(r, path)
    r.unknown({"name", "kind", "title", "vendor", "mcu", "family", "core", "cpu_hz", "counter_hz", "memory",
               "clock", "console", "timing_pin", "emulator", "upload", "platformio"})
    name = _name(r, path)
    core_name = r.get("core", lambda v: v in CORES, "one of " + ", ".join(CORES))
    core = CORES[core_name]
    family = _family(r)
    flash = ram = None
    extra: tuple[MemoryRegion, ...] = ()
    mem = r.table("memory", required=not core.toolchain == "host")
    if mem is not None:
        mem.unknown({"flash", "ram", "extra_ram"})
        flash, ram = _region(mem, "flash", "flash"), _region(mem, "ram", "ram")
        ex = mem.get("extra_ram", lambda v: isinstance(v, list) and all(isinstance(x, dict) for x in v),
                     "a list of {name, origin, size} tables", required=False, default=[])
        extra = tuple(_region(_Reader(path, {"r": x}, f"memory.extra_ram[{i}]."), "r") for i, x in enumerate(ex))
    emulator = None
    em = r.table("emulator", required=False)
    if em is not None:
        em.unknown({"machine", "args"})
        emulator = Emulator(machine=em.str("machine"), args=em.str_list("args", required=False))
    up = r.table("upload", required=False)
    upload = _upload(up) if up is not None else None
    pio = r.table("platformio", required=False)
    if pio is not None:
        pio.unknown({"board"})
    cpu_hz = r.int("cpu_hz", minimum=0 if core.toolchain == "host" else 1)
    return Board(name=name, title=r.str("title"), vendor=r.str("vendor"), mcu=r.str("mcu"), family=family, core=core,
                 cpu_hz=cpu_hz, counter_hz=r.int("counter_hz", minimum=1), path=path,
                 flash=flash, ram=ram, extra_ram=extra, clock=_passthrough(r, "clock"),
                 console=_passthrough(r, "console"), timing_pin=_passthrough(r, "timing_pin"),
                 emulator=emulator, upload=upload, platformio_board=pio.str("board", required=False) if pio else None)


def _name(r: _Reader, path: Path) -> str:
    name = r.get("name", lambda v: isinstance(v, str) and bool(_NAME.match(v)),
                 "a lower-case name of letters, digits, '-' and '_'")
    if name != path.stem:
        raise r.fail("name", f"the file's stem {path.stem!r}", name)
    return name


def _family(r: _Reader) -> str:
    return r.get("family", lambda v: isinstance(v, str) and _NAME.match(v) is not None and v in bsp_families(),
                 "an MCU family with a folder firmware/bsp/<family>/ (" + ", ".join(bsp_families()) + ")")


def _linux_board(r: _Reader, path: Path) -> Board:
    """A `kind = "linux"` board: the program runs under Linux; `[linux]` says how it is compiled. How
    to reach the board (SSH user@host, port, key) is the user's hardware map, never board data."""
    r.unknown({"name", "kind", "title", "vendor", "mcu", "family", "cpu_hz", "linux"})
    name = _name(r, path)
    lx = r.table("linux")
    assert lx is not None
    lx.unknown({"arch", "triplet", "cflags", "emulator_cpu"})
    arch = ARCHES[lx.get("arch", lambda v: v in ARCHES, "one of " + ", ".join(ARCHES))]
    triplet = lx.get("triplet", lambda v: isinstance(v, str) and _TRIPLET.match(v) is not None,
                     "a GNU target triplet like \"aarch64-linux-gnu\" (the compiler is <triplet>-gcc)")
    linux = LinuxTarget(arch=arch, triplet=triplet, cflags=lx.str_list("cflags", required=False),
                        emulator_cpu=lx.str("emulator_cpu", required=False))
    core = Core(name=arch.name, toolchain=triplet, cflags=linux.cflags, description=f"Linux on {arch.name}")
    return Board(name=name, title=r.str("title"), vendor=r.str("vendor"), mcu=r.str("mcu"), family=_family(r),
                 core=core, cpu_hz=r.int("cpu_hz", required=False) or 0, counter_hz=1_000_000_000, path=path,
                 kind=BoardKind.LINUX, linux=linux)


def bsp_families() -> list[str]:
    """The MCU families with board support: firmware/bsp/<family>/board.c (firmware/bsp/stm32/ holds
    what the STM32 families share, and is no family)."""
    return sorted(p.parent.name for p in (FIRMWARE_DIR / "bsp").glob("*/board.c"))


def load_board(name: str, boards_dir: Path = BOARDS_DIR) -> Board:
    path = boards_dir / f"{name}.toml"
    if not path.is_file():
        known = ", ".join(b for b in list_boards(boards_dir))
        raise BoardError(f"unknown board {name!r} (no {path})", hint=f"use one of: {known}; or add boards/{name}.toml")
    return load_board_file(path)


def list_boards(boards_dir: Path = BOARDS_DIR) -> list[str]:
    return sorted(p.stem for p in boards_dir.glob("*.toml"))


def _pin_defines(prefix: str, key: str, value: str) -> list[tuple[str, str]]:
    m = _PIN_STM.match(value)
    if m:
        port, pin = ord(m.group(1)) - ord("A"), int(m.group(2))
    else:
        m2 = _PIN_NRF.match(value)
        assert m2
        port, pin = int(m2.group(1)), int(m2.group(2))
    k = f"{prefix}_{key.upper()}"
    return [(f"{k}_PORT", f"{port}u"), (f"{k}_PIN", f"{pin}u")]


def config_defines(board: Board) -> list[tuple[str, str]]:
    """The `#define`s of `mf_board_config.h`: one per board-data field the firmware reads."""
    out = [("MF_BOARD_NAME", f'"{board.name}"'), ("MF_CPU_HZ", f"{board.cpu_hz}u"),
           ("MF_COUNTER_HZ", f"{board.counter_hz}u")]
    for prefix, table in (("MF_CLOCK", board.clock), ("MF_CONSOLE", board.console),
                          ("MF_TIMING", board.timing_pin)):
        for key, value in table.items():
            name = f"{prefix}_{key.upper()}"
            if isinstance(value, int):
                out.append((name, f"{value}u" if value >= 0 else str(value)))
            elif key in ("tx", "rx", "pin"):
                out += _pin_defines(prefix, key, value)
            else:
                out.append((name, '"' + value + '"'))
                out.append((f"{name}_{re.sub(r'[^A-Z0-9]', '_', value.upper())}", "1"))
    return out
