"""A Linux board on its own CPU: the cross-compiled program copied over SSH (the hardware map's entry)
or, for a board of this machine's architecture, run here; the device protocol on its stdio."""

from __future__ import annotations

from pathlib import Path

from codegen.boards import Board
from codegen.hil import linux
from codegen.hil.records import RunRequest, Session, Stopped
from codegen.hil.registry import register


class LinuxDriver:
    name = "linux"
    priority = 15

    def applies(self, board: Board, request: RunRequest) -> bool:
        return linux.mode_for(board, request) == linux.LinuxMode.NATIVE

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        return linux.deploy(board, firmware, request, linux.LinuxMode.NATIVE)

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        return linux.start(self, board, firmware, request, linux.LinuxMode.NATIVE)

    def stop(self, session: Session, clean: bool) -> Stopped:
        return linux.stop(session, clean)


register(LinuxDriver())
