"""A target someone else keeps running (a board in a farm, a labgrid place, QEMU behind ser2net):
open its port, check it answers, never flash, never stop it (``target=attach port=URL``)."""

from __future__ import annotations

from pathlib import Path

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.dut import Device
from codegen.hil.records import RunRequest, Session, Stopped, TargetKind
from codegen.hil.registry import register
from codegen.hil.transport import SerialTransport
from codegen.hil.units import unit_for


class AttachDriver:
    name = "attach"
    priority = 30

    def applies(self, board: Board, request: RunRequest) -> bool:
        return request.target == TargetKind.ATTACH

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        return "not flashed: attached to a running target"

    def port(self, board: Board, request: RunRequest) -> str:
        if request.port is None:
            raise McuforgeError(f"target={request.target} needs port=... for {board.name}",
                                hint="give port=/dev/ttyACM0 or port=rfc2217://host:port")
        return request.port

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        port = self.port(board, request)
        baud = request.baud or int(board.console.get("baud", 115200))
        t = SerialTransport(port, baudrate=baud)
        try:
            dev = Device(t, timeout=request.timeout, record=request.record)
            dev.wait_boot(min(request.boot_timeout, 0.2))  # a running board does not boot again: ping
            info = dev.info()
        except BaseException:
            t.close()
            raise
        # a board that can only be emulated is QEMU behind the port (e.g. ser2net in front of it)
        return Session(device=dev, driver=self, unit=unit_for(board, info, emulated=not board.real),
                       description=f"{board.title} on {port}", transport=t)

    def stop(self, session: Session, clean: bool) -> Stopped:
        if session.transport is not None:
            session.transport.close()
        return Stopped(how="closed", exit_code=None)


register(AttachDriver())
