"""The driver registry: every module in :mod:`codegen.hil.drivers` registers one driver; a run takes
the first, in priority order, whose ``applies`` accepts its board and request. Nothing here (nor in
any driver) dispatches on board names: drivers look at board data (emulated, real, native) and the
request (target, port).
"""

from __future__ import annotations

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.records import Driver, RunRequest
from codegen.plugins import Registry

_DRIVERS: Registry[Driver] = Registry("codegen.hil.drivers", "driver")


def register(driver: Driver) -> Driver:
    return _DRIVERS.register(driver.name, driver)


def drivers() -> tuple[Driver, ...]:
    """Every registered driver, in priority order."""
    return tuple(sorted(_DRIVERS.entries().values(), key=lambda d: d.priority))


def driver(name: str) -> Driver:
    """The driver registered as `name` (`host`, `device`, `attach`, `qemu`)."""
    for d in drivers():
        if d.name == name:
            return d
    raise McuforgeError(f"no driver named {name!r}", hint="one of: " + ", ".join(d.name for d in drivers()))


def select_driver(board: Board, request: RunRequest) -> Driver:
    for d in drivers():
        if d.applies(board, request):
            return d
    kinds = []
    if board.emulated:
        kinds.append("target=emulator")
    if board.real:
        kinds.append("a real board (port=... or connected by USB)")
    raise McuforgeError(f"no way to run board {board.name} with target={request.target}",
                        hint="use " + (" or ".join(kinds) if kinds else "board=host or an emulated board"))
