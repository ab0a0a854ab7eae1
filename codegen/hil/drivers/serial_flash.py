"""A real board: flash it with its upload tool (:mod:`codegen.hil.flash`), then talk over its serial
port (given, or found on USB by the board file's VID/PID)."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.drivers.attach import AttachDriver
from codegen.hil.flash.upload import pio_upload
from codegen.hil.records import RunRequest, TargetKind
from codegen.hil.registry import register
from codegen.hil.usb import detect_ports, usb_ids

Flasher = Callable[[Board, Path, RunRequest], str]


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
        return request.target == TargetKind.AUTO and (request.port is not None or bool(detect_ports(board)))

    def port(self, board: Board, request: RunRequest) -> str:
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
        return self.flasher(board, firmware, request)


register(SerialFlashDriver(flasher=pio_upload))
