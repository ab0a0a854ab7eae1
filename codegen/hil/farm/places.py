"""A labgrid place as a run sees it (:class:`PlaceInfo`), read from the coordinator's records, and the
checks a run makes on it: which board it holds (its ``board`` tag, or the hardware map's ``place``
key), that it has a console (a ``NetworkSerialPort``), who holds its lock and since when.

An exporter describes a place's resources; mcuforge reads two classes of them:

* ``NetworkSerialPort`` (labgrid's own: ``host``, ``port``, ``speed``, ``protocol`` ``rfc2217`` or
  ``raw``): the console, ser2net on the exporter host;
* ``MCUForgeAgent`` (mcuforge's: ``host``, ``port``): the agent that puts firmware on the place
  (:mod:`codegen.hil.farm.agent`), QEMU for an emulated place, the flash tool for a real board.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Mapping

from codegen.errors import McuforgeError

SERIAL_CLASS = "NetworkSerialPort"
AGENT_CLASS = "MCUForgeAgent"
BOARD_TAG = "board"


@dataclass(frozen=True)
class NetworkSerial:
    """labgrid's NetworkSerialPort: a serial port served over TCP (ser2net) on an exporter host."""

    host: str
    port: int
    speed: int
    protocol: str = "rfc2217"   # or "raw": a plain TCP socket

    def url(self, ign_set_control: bool = False) -> str:
        """The pyserial URL; `ign_set_control` for ser2net in front of a pseudo-terminal (QEMU's console),
        which never answers RFC 2217 SET_CONTROL."""
        if self.protocol == "raw":
            return f"socket://{self.host}:{self.port}"
        return f"rfc2217://{self.host}:{self.port}" + ("?ign_set_control" if ign_set_control else "")


@dataclass(frozen=True)
class AgentEndpoint:
    """An mcuforge agent beside the exporter (`MCUForgeAgent` resource)."""

    host: str
    port: int

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"


@dataclass(frozen=True)
class Lock:
    """Who holds a place (labgrid's `host/user`) and since when (the place's last change, epoch seconds)."""

    holder: str
    since: float

    def describe(self, now: float | None = None) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(self.since))
        ago = max(0.0, (now or time.time()) - self.since)
        span = f"{ago:.0f} s" if ago < 120 else f"{ago / 60:.0f} min" if ago < 7200 else f"{ago / 3600:.1f} h"
        return f"{self.holder} since {stamp} ({span} ago)"

    @property
    def user(self) -> str:
        return self.holder.split("/", 1)[-1]


@dataclass(frozen=True)
class PlaceInfo:
    name: str
    tags: tuple[tuple[str, str], ...] = ()
    comment: str = ""
    lock: Lock | None = None
    serial: NetworkSerial | None = None
    agent: AgentEndpoint | None = None
    resources: tuple[str, ...] = ()       # exporter/group/class/name of every resource it holds

    def tag(self, key: str) -> str | None:
        return dict(self.tags).get(key)


def _int(params: Mapping[str, Any], key: str, where: str) -> int:
    try:
        return int(params[key])
    except (KeyError, TypeError, ValueError):
        raise McuforgeError(f"{where} has no valid `{key}` ({params.get(key)!r})",
                            hint="fix the exporter's configuration (see docs/HIL.md, 'Board farms')") from None


def serial_of(params: Mapping[str, Any], where: str) -> NetworkSerial:
    protocol = str(params.get("protocol", "rfc2217"))
    if protocol not in ("rfc2217", "raw"):
        raise McuforgeError(f"{where}: protocol {protocol!r} is neither rfc2217 nor raw",
                            hint="give the NetworkSerialPort `protocol: rfc2217` (ser2net's telnet(rfc2217))")
    return NetworkSerial(host=str(params.get("host") or "127.0.0.1"), port=_int(params, "port", where),
                         speed=int(params.get("speed") or 115200), protocol=protocol)


def agent_of(params: Mapping[str, Any], where: str) -> AgentEndpoint:
    return AgentEndpoint(host=str(params.get("host") or "127.0.0.1"), port=_int(params, "port", where))


def board_of(place: PlaceInfo, hwmap_board: str | None) -> tuple[str | None, str]:
    """The board a place holds and where that was read: its `board` tag, else the hardware map."""
    tagged = place.tag(BOARD_TAG)
    if tagged:
        return tagged, f"its labgrid tag {BOARD_TAG}={tagged}"
    if hwmap_board:
        return hwmap_board, f"the hardware map (place = \"{place.name}\" under board {hwmap_board})"
    return None, ""


def untagged_error(place: PlaceInfo, board: str = "B") -> McuforgeError:
    return McuforgeError(
        f"place {place.name} does not say which board it holds (no `{BOARD_TAG}` tag"
        + (f"; its tags: {', '.join(f'{k}={v}' for k, v in place.tags)}" if place.tags else "") + ")",
        hint=f"labgrid-client -p {place.name} set-tags {BOARD_TAG}={board} (or `place = \"{place.name}\"` "
             f"in the hardware map's [[target]] for {board})")


def check_board(place: PlaceInfo, board: str, hwmap_board: str | None = None) -> None:
    """The place holds `board`, by its tags or the hardware map; else an error saying how to fix it."""
    held, source = board_of(place, hwmap_board)
    if held is None:
        raise untagged_error(place, board)
    if held != board:
        raise McuforgeError(f"place {place.name} holds a {held} ({source}), not a {board}",
                            hint=f"run with board={held}, or pick a place tagged {BOARD_TAG}={board} "
                                 "(labgrid-client places lists them; labgrid-client -p NAME show its tags)")


def require_serial(place: PlaceInfo) -> NetworkSerial:
    if place.serial is None:
        held = ", ".join(place.resources) or "no resources"
        raise McuforgeError(f"place {place.name} has no serial port (no {SERIAL_CLASS} among its resources: {held})",
                            hint=f"export the board's console as a {SERIAL_CLASS} (a USBSerialPort or ser2net in "
                                 f"front of the port; docs/HIL.md) and labgrid-client -p {place.name} add-match "
                                 f"EXPORTER/GROUP/{SERIAL_CLASS}")
    return place.serial
