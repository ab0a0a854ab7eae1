"""The user's hardware map: which serial port, which probe and which logic-analyzer channel belong to
which board on *this* bench. Lab specifics never go into ``boards/*.toml`` (board data is the same
for everyone); they live in a small local TOML file, like Zephyr twister's hardware map:

```toml
# ~/.config/mcuforge/hardware-map.toml  (or hwmap=PATH, or $MCUFORGE_HWMAP)
[[target]]
board = "stm32l475"
port = "/dev/ttyACM0"            # or rfc2217://lab-pi:4000 (ser2net, labgrid NetworkSerialPort)
baud = 115200                    # optional: the board file's console baud otherwise
probe = "0669FF545071..."        # optional: the flash tool's probe serial number
usb_serial = "0669FF545071..."   # optional: the USB serial number of the board's serial port: the port is
                                 #   found again by it (and the board file's VID/PID) after flashing
place = "lab-l475"               # optional: the labgrid place that holds this board (when the place has
                                 #   no `board` tag)

[target.logic]                   # optional: a logic analyzer on the timing pin
driver = "fx2lafw"               # sigrok driver spec (`sigrok-cli -d DRIVER --scan`), e.g. "fx2lafw:conn=1.7"
channel = "D0"
samplerate = 8000000             # Hz
config = []                      # more sigrok `--config key=value` settings
arm_seconds = 0.5                # sigrok-cli start-up before the first pulse

[[target]]                       # a Linux board (boards with kind = "linux") over SSH
board = "rpi4"
ssh = "pi@rpi4.local"            # user@host (or a Host alias of ~/.ssh/config)
ssh_port = 22                    # optional
ssh_key = "~/.ssh/id_ed25519"    # optional: ssh's defaults and agent otherwise
ssh_known_hosts = "..."          # optional: a known_hosts file of its own
ssh_dir = "/tmp/mcuforge"        # optional: where programs go there (default ~/.cache/mcuforge)
python = "/home/pi/venv/bin/python"  # optional: the Python with LiteRT / ONNX Runtime there (default python3)
```
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import McuforgeError
from codegen.hil.remote import SshTarget
from codegen.hil.sigrok import LogicAnalyzer

DEFAULT_PATH = Path("~/.config/mcuforge/hardware-map.toml")
ENV_VAR = "MCUFORGE_HWMAP"


@dataclass(frozen=True)
class HardwareEntry:
    board: str
    port: str | None = None
    baud: int | None = None
    probe: str | None = None
    usb_serial: str | None = None      # the USB serial number of the board's serial port
    place: str | None = None           # the labgrid place holding this board
    logic: LogicAnalyzer | None = None
    ssh: SshTarget | None = None      # a Linux board: how to reach it
    python: str | None = None         # a Linux board: the Python that runs LiteRT / ONNX Runtime there


@dataclass(frozen=True)
class HardwareMap:
    path: Path | None
    targets: tuple[HardwareEntry, ...] = ()

    def entry(self, board: str) -> HardwareEntry | None:
        return next((t for t in self.targets if t.board == board), None)

    def board_of_place(self, place: str) -> str | None:
        """The board the map says a labgrid place holds (its `place` key), if any."""
        return next((t.board for t in self.targets if t.place == place), None)

    def logic_for(self, board: str) -> LogicAnalyzer:
        e = self.entry(board)
        if e is None or e.logic is None:
            where = self.path or f"{DEFAULT_PATH} (or hwmap=PATH, ${ENV_VAR})"
            raise McuforgeError(f"no logic analyzer for board {board} in the hardware map {where}",
                                hint="add a [target.logic] table with driver and channel (see docs/HIL.md)")
        return e.logic


def _fail(path: Path, where: str, expected: str, got: Any = None) -> McuforgeError:
    return McuforgeError(f"{path}: `{where}`: expected {expected}" + ("" if got is None else f", got {got!r}"),
                         hint="see the hardware map format in docs/HIL.md")


def _field(path: Path, table: dict, key: str, kind: type | tuple, where: str, required: bool = False) -> Any:
    if key not in table:
        if required:
            raise _fail(path, f"{where}.{key}", f"a {getattr(kind, '__name__', kind)} (missing)")
        return None
    v = table[key]
    if not isinstance(v, kind) or isinstance(v, bool):
        raise _fail(path, f"{where}.{key}", f"a {getattr(kind, '__name__', kind)}", v)
    return v


def _ssh(path: Path, t: dict, where: str) -> SshTarget | None:
    dest = _field(path, t, "ssh", str, where)
    if dest is None:
        for k in ("ssh_port", "ssh_key", "ssh_known_hosts", "ssh_dir"):
            if k in t:
                raise _fail(path, f"{where}.{k}", 'an ssh = "user@host" beside it')
        return None
    if not dest or dest.startswith("-") or any(c.isspace() for c in dest):
        raise _fail(path, f"{where}.ssh", '"user@host" (or a Host alias of ~/.ssh/config)', dest)
    port = _field(path, t, "ssh_port", int, where)
    if port is not None and not 1 <= port <= 65535:
        raise _fail(path, f"{where}.ssh_port", "a TCP port, 1..65535", port)
    key, known = _field(path, t, "ssh_key", str, where), _field(path, t, "ssh_known_hosts", str, where)
    directory = _field(path, t, "ssh_dir", str, where)
    if directory is not None and (not directory or any(c.isspace() or c in "'\"$`" for c in directory)):
        raise _fail(path, f"{where}.ssh_dir", "a directory path without spaces or quotes", directory)
    return SshTarget(destination=dest, port=port, key=Path(key).expanduser() if key else None,
                     known_hosts=Path(known).expanduser() if known else None,
                     directory=directory or SshTarget.directory)


def parse_hardware_map(path: Path, text: str) -> HardwareMap:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise McuforgeError(f"{path}: not valid TOML ({exc})", hint="fix the hardware map's syntax") from None
    extra = set(data) - {"target"}
    if extra:
        raise _fail(path, sorted(extra)[0], "only [[target]] tables")
    targets = []
    for i, t in enumerate(data.get("target", [])):
        where = f"target[{i}]"
        if not isinstance(t, dict):
            raise _fail(path, where, "a table")
        known = ("board", "port", "baud", "probe", "usb_serial", "place", "logic", "ssh", "ssh_port", "ssh_key",
                 "ssh_known_hosts", "ssh_dir", "python")
        unknown = set(t) - set(known)
        if unknown:
            raise _fail(path, f"{where}.{sorted(unknown)[0]}", "one of " + ", ".join(known))
        logic = None
        if "logic" in t:
            lt = _field(path, t, "logic", dict, where)
            lw = f"{where}.logic"
            unknown = set(lt) - {"driver", "channel", "samplerate", "config", "arm_seconds"}
            if unknown:
                raise _fail(path, f"{lw}.{sorted(unknown)[0]}", "one of driver, channel, samplerate, config, arm_seconds")
            config = lt.get("config", [])
            if not isinstance(config, list) or not all(isinstance(c, str) and "=" in c for c in config):
                raise _fail(path, f"{lw}.config", 'a list of "key=value" strings', config)
            rate = _field(path, lt, "samplerate", int, lw)
            arm = lt.get("arm_seconds", 0.5)
            if not isinstance(arm, (int, float)) or isinstance(arm, bool) or not 0 <= arm <= 30:
                raise _fail(path, f"{lw}.arm_seconds", "seconds, 0..30", arm)
            logic = LogicAnalyzer(driver=_field(path, lt, "driver", str, lw, required=True),
                                  channel=_field(path, lt, "channel", str, lw, required=True),
                                  samplerate=rate or 1_000_000, config=tuple(config), arm_seconds=float(arm))
        targets.append(HardwareEntry(board=_field(path, t, "board", str, where, required=True),
                                     port=_field(path, t, "port", str, where),
                                     baud=_field(path, t, "baud", int, where),
                                     probe=_field(path, t, "probe", str, where),
                                     usb_serial=_field(path, t, "usb_serial", str, where),
                                     place=_field(path, t, "place", str, where), logic=logic,
                                     ssh=_ssh(path, t, where), python=_field(path, t, "python", str, where)))
    return HardwareMap(path=path, targets=tuple(targets))


def load_hardware_map(path: Path | str | None = None) -> HardwareMap:
    """The map at `path`, else $MCUFORGE_HWMAP, else ~/.config/mcuforge/hardware-map.toml; an empty map
    when no file is given and the default does not exist."""
    explicit = path or os.environ.get(ENV_VAR)
    p = Path(explicit).expanduser() if explicit else DEFAULT_PATH.expanduser()
    if not p.is_file():
        if explicit:
            raise McuforgeError(f"hardware map not found: {p}", hint="check hwmap= / $MCUFORGE_HWMAP")
        return HardwareMap(path=None)
    return parse_hardware_map(p, p.read_text())
