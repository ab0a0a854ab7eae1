"""A real board: flash it with its upload tool (:mod:`codegen.hil.flash`), then talk over its serial
port (given, or found on USB by the board file's VID/PID). With the board's USB serial number in the
hardware map (`usb_serial`), the port is found by it, and after flashing the driver waits (bounded)
for the port to come back, wherever it re-enumerates."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.drivers.attach import AttachDriver
from codegen.hil.flash.upload import pio_upload
from codegen.hil.records import RunRequest, TargetKind
from codegen.hil.registry import register
from codegen.hil.usb import detect_ports, usb_ids, wait_for_port

Flasher = Callable[[Board, Path, RunRequest], str]
REENUMERATE_SECONDS = 20.0  # how long a flashed board may take to show its serial port again


class SerialFlashDriver(AttachDriver):
    name = "device"
    priority = 20

    def __init__(self, flasher: Flasher | None = None) -> None:
        self.flasher = flasher

    def applies(self, board: Board, request: RunRequest) -> bool:
        if not board.real:
            return False
        if request.target == TargetKind.DEVICE:
            return True
        return request.target == TargetKind.AUTO and (request.port is not None or request.usb_serial is not None
                                                      or bool(detect_ports(board)))

    def port(self, board: Board, request: RunRequest) -> str:
        if request.usb_serial is not None:  # by serial number: wherever the port (re-)enumerated
            return wait_for_port(board, request.usb_serial, REENUMERATE_SECONDS)
        if request.port is not None:
            return request.port
        found = detect_ports(board)
        if not found:
            raise McuforgeError(f"no {board.name} found on USB (looked for {usb_ids(board)})",
                                hint="connect the board, or give port=/dev/ttyACM0 (or rfc2217://host:port)")
        return found[0]

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        if not request.flash:
            return "not flashed (flash=0)"
        if self.flasher is None:
            return "no flash tool configured"
        done = self.flasher(board, firmware, request)
        if request.usb_serial is not None:
            done += f"; its port came back at {wait_for_port(board, request.usb_serial, REENUMERATE_SECONDS)}"
        return done


register(SerialFlashDriver(flasher=pio_upload))
