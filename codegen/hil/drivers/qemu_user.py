"""A Linux board without the board: its cross-compiled program under QEMU user mode (`qemu-aarch64
-cpu cortex-a72 ./firmware`), here or on the hardware map's SSH machine (the tests reach an sshd on
loopback, so the deploy path is the real one). Its timings are the emulator's wall time: labelled."""

from __future__ import annotations

from pathlib import Path

from codegen.boards import Board
from codegen.hil import linux
from codegen.hil.records import RunRequest, Session, Stopped
from codegen.hil.registry import register


class QemuUserDriver:
    name = "qemu-user"
    priority = 35

    def applies(self, board: Board, request: RunRequest) -> bool:
        return linux.mode_for(board, request) == linux.LinuxMode.EMULATED

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        return linux.deploy(board, firmware, request, linux.LinuxMode.EMULATED)

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        return linux.start(self, board, firmware, request, linux.LinuxMode.EMULATED)

    def stop(self, session: Session, clean: bool) -> Stopped:
        return linux.stop(session, clean)


register(QemuUserDriver())
