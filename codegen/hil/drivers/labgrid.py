"""A place of a labgrid board farm (``target=labgrid place=NAME``): the place is acquired and locked
through the coordinator for the whole run (checked first: its board, a serial port, nobody else's
lock), the firmware goes on it through the place's mcuforge agent, the firmware is reached through
the place's ``NetworkSerialPort`` (RFC 2217 via ser2net), and the place is released when the run ends,
also on an error or Ctrl-C."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Iterator

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.dut import Device
from codegen.hil.farm.agent import AgentStatus, agent_load, agent_status, agent_stop
from codegen.hil.farm.client import ENV_PLACE, coordinator_address, held_place
from codegen.hil.farm.places import AGENT_CLASS, PlaceInfo, require_serial
from codegen.hil.records import RunRequest, Session, Stopped, TargetKind
from codegen.hil.registry import register
from codegen.hil.transport import SerialTransport
from codegen.hil.units import unit_for


def place_name(request: RunRequest) -> str:
    import os
    name = request.place or os.environ.get(ENV_PLACE)
    if not name:
        raise McuforgeError("target=labgrid needs a place", hint=f"give place=NAME (or ${ENV_PLACE}); "
                                                                 "labgrid-client places lists them")
    return name


class PlaceDriver:
    """The driver bound to one acquired place (what :meth:`LabgridDriver.hold` gives the strategy)."""

    name = "labgrid"
    priority = 25

    def __init__(self, place: PlaceInfo, coordinator: str) -> None:
        self.place, self.coordinator = place, coordinator
        self.status: AgentStatus | None = None

    def applies(self, board: Board, request: RunRequest) -> bool:
        return request.target == TargetKind.LABGRID

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        if not request.flash:
            return f"not flashed (flash=0): place {self.place.name} runs it already"
        if self.place.agent is None:
            raise McuforgeError(f"place {self.place.name} has no {AGENT_CLASS}: nothing can put the firmware on it",
                                hint="run the mcuforge agent beside its exporter and export it (docs/HIL.md), or "
                                     "flash=0 when the board already runs this build")
        self.status = agent_load(self.place.agent, board.name, firmware)
        return f"place {self.place.name}: {self.status.done}"

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        serial = require_serial(self.place)
        if self.status is None and self.place.agent is not None:
            self.status = agent_status(self.place.agent)
        emulated = self.status.emulated if self.status is not None else not board.real
        url = serial.url(ign_set_control=emulated)  # ser2net in front of QEMU's pty: no modem lines
        t = SerialTransport(url, baudrate=request.baud or serial.speed or int(board.console.get("baud", 115200)))
        try:
            dev = Device(t, timeout=request.timeout, record=request.record)
            dev.wait_boot(min(request.boot_timeout, 0.2))  # the board runs already: ping
            info = dev.info()
        except BaseException:
            t.close()
            raise
        how = "QEMU" if emulated else "the board"
        return Session(device=dev, driver=self, unit=unit_for(board, info, emulated=emulated), transport=t,
                       description=f"labgrid place {self.place.name} ({how} behind {url})")

    def stop(self, session: Session, clean: bool) -> Stopped:
        if session.transport is not None:
            session.transport.close()
        if self.place.agent is not None and self.status is not None and self.status.emulated:
            end = agent_stop(self.place.agent)
            how = "killed" if end.exit_code is not None and end.exit_code < 0 else "exited"
            return Stopped(how=how, exit_code=end.exit_code, log=end.log)
        return Stopped(how="closed", exit_code=None)


class LabgridDriver:
    """target=labgrid: holds the place for the run; the strategy then drives a :class:`PlaceDriver`."""

    name = "labgrid"
    priority = 25

    def applies(self, board: Board, request: RunRequest) -> bool:
        return request.target == TargetKind.LABGRID

    @contextlib.contextmanager
    def hold(self, board: Board, request: RunRequest) -> Iterator[PlaceDriver]:
        address = coordinator_address(request.coordinator)
        with held_place(address, place_name(request), board.name, request.place_board) as place:
            yield PlaceDriver(place, address)

    def _unbound(self) -> McuforgeError:
        return McuforgeError("the labgrid driver runs only inside a strategy that holds the place",
                             hint="use codegen.hil.strategy.Strategy (it enters LabgridDriver.hold)")

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        raise self._unbound()

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        raise self._unbound()

    def stop(self, session: Session, clean: bool) -> Stopped:
        raise self._unbound()


register(LabgridDriver())
