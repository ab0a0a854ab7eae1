"""USB discovery: the serial ports of attached boards of one kind, found by the USB VID/PID pairs in
the board file's ``[upload] usb`` list (pyserial's port listing); and, after flashing, the wait for a
board's port to come back, found again by VID/PID and its USB serial number (never by the old path:
a board that re-enumerates may come back as /dev/ttyACM1)."""

from __future__ import annotations

import time

from serial.tools import list_ports

from codegen.boards import Board
from codegen.errors import McuforgeError

SETTLE_SECONDS = 1.0   # a port must stay listed this long: right after flashing the old one may still be there
POLL_SECONDS = 0.1


def _ids(board: Board) -> set[tuple[int, int]]:
    if not board.upload or not board.upload.usb:
        return set()
    return {(u.vid, u.pid) for u in board.upload.usb}


def detect_ports(board: Board) -> list[str]:
    """Serial ports of attached boards of this kind (by the USB VID/PID in the board file)."""
    ids = _ids(board)
    if not ids:
        return []
    return [p.device for p in list_ports.comports() if (p.vid, p.pid) in ids]


def find_port(board: Board, usb_serial: str) -> str | None:
    """The port of the board with this USB serial number (and one of the board file's VID/PIDs), now."""
    ids = _ids(board)
    for p in list_ports.comports():
        if (p.vid, p.pid) in ids and (p.serial_number or "") == usb_serial:
            return p.device
    return None


def wait_for_port(board: Board, usb_serial: str, timeout: float, settle: float | None = None) -> str:
    """The board's port once it is back after flashing: listed (VID/PID and serial number) at the same
    path for `settle` seconds; a board that vanished and did not come back within `timeout` seconds
    fails with that reason."""
    settle = SETTLE_SECONDS if settle is None else settle
    deadline = time.monotonic() + timeout
    seen: list[str | None] = []
    path, since = None, 0.0
    while True:
        now = time.monotonic()
        found = find_port(board, usb_serial)
        if not seen or seen[-1] != found:
            seen.append(found)
        if found != path:
            path, since = found, now
        if path is not None and now - since >= settle:
            return path
        if now >= deadline:
            break
        time.sleep(POLL_SECONDS)
    history = " -> ".join(p or "gone" for p in seen)
    raise McuforgeError(
        f"{board.name} (USB {usb_ids(board)}, serial number {usb_serial}) did not come back within {timeout:g} s "
        f"after flashing (its port: {history})",
        hint="unplug and replug the board (or power-cycle its USB hub port); check `python -m serial.tools.list_ports"
             " -v` shows it, and that usb_serial in the hardware map is its serial number")


def usb_ids(board: Board) -> str:
    """The board's USB ids as `vid:pid, ...` for messages ("?" when the board file lists none)."""
    if not board.upload or not board.upload.usb:
        return "?"
    return ", ".join(f"{u.vid:04x}:{u.pid:04x}" for u in board.upload.usb)
