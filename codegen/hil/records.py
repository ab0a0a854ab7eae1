"""The records the run layer passes between its modules: what a run asks for (:class:`RunRequest`),
where it may run (:class:`TargetKind`), how to read the device's counter (:class:`CountUnit`), a
running target (:class:`Session`), how it ended (:class:`Stopped`), and what a driver is
(:class:`Driver`). Plain data: this module imports no driver, no strategy and no tool.
"""

from __future__ import annotations

import enum
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.dut import Device
from codegen.hil.remote import SshTarget
from codegen.hil.transport import Transport

if TYPE_CHECKING:
    from codegen.cycles.plugin import Probe


class TargetKind(enum.StrEnum):
    """Where a run goes: a str enum, so ``TargetKind.AUTO == "auto"``."""

    AUTO = "auto"          # a board found on USB (or given port=), else the emulator
    EMULATOR = "emulator"  # QEMU
    DEVICE = "device"      # a real board: flash it, then talk over its serial port
    HOST = "host"          # the `host` board: a native process
    ATTACH = "attach"      # a target someone else keeps running: never flashed, never stopped
    LABGRID = "labgrid"    # a place of a labgrid board farm (place=): acquired, flashed, released

    @classmethod
    def parse(cls, text: str) -> "TargetKind":
        try:
            return cls(text)
        except ValueError:
            raise McuforgeError(f"unknown target {text!r}",
                                hint="use target=" + "|".join(k.value for k in cls)) from None


@dataclass(frozen=True)
class RunRequest:
    target: TargetKind = TargetKind.AUTO
    port: str | None = None       # serial port or URL of a real board (/dev/ttyACM0, rfc2217://host:port)
    baud: int | None = None
    flash: bool = True            # flash before running (real boards)
    timeout: float = 20.0         # per request, seconds
    gpio_trace: Path | None = None  # QEMU: log timing-pin changes here (codegen.hil.gpio)
    extra_qemu_args: tuple[str, ...] = ()
    boot_timeout: float = 30.0    # seconds for the boot event (or a ping) after start: generous, a loaded machine boots QEMU slowly
    record: bool = False          # keep every request's wall-clock times (Device.exchanges)
    upload_protocol: str | None = None  # one of the board's [upload] protocols (default: its protocol)
    usb_serial: str | None = None  # the board's USB serial number (hardware map): its port found again after flashing
    probe: str | None = None       # the flash tool's probe serial number (hardware map): which probe flashes it
    place: str | None = None       # target=labgrid: the labgrid place
    coordinator: str | None = None  # its coordinator HOST[:PORT] (default: $LG_COORDINATOR, else 127.0.0.1:20408)
    place_board: str | None = None  # the board the hardware map says the place holds (a place without a board tag)
    cycles: "Probe | None" = None  # QEMU: count instructions by class with the cycle plugin (codegen.cycles)
    ssh: SshTarget | None = None  # a Linux board over SSH (the hardware map's entry); None: this machine
    perf: bool = False            # a Linux board: run the program under `perf stat` (cycles, instructions)

    def __post_init__(self) -> None:
        if not isinstance(self.target, TargetKind):  # a plain string from a caller: checked here, once
            object.__setattr__(self, "target", TargetKind.parse(self.target))


@dataclass(frozen=True)
class CountUnit:
    """How to read the device's counter ticks."""

    name: str            # "instructions" (QEMU -icount), "cycles" (hardware), "ns" (host)
    per_tick: float      # units per counter tick
    clock_hz: int        # for microseconds: units per second (0 if none applies)
    basis: str           # human-readable: how the latency is obtained


@dataclass(frozen=True)
class Stopped:
    """How a target ended."""

    how: str                 # "exited" (on its own or asked to), "killed" (by a signal), "closed" (left running, e.g. attach)
    exit_code: int | None    # the process's status; negative: the number of the signal that ended it
    log: str = ""            # the tail of the emulator's or host process's output
    peak_rss_bytes: int | None = None  # a program under an OS: its peak resident set, as it reported at exit
    counters: tuple[tuple[str, int | None], ...] = ()  # `perf stat` over the whole process (None: not counted)


@dataclass
class Session:
    """A running target: the device to talk to, and what its driver needs to stop it."""

    device: Device
    driver: "Driver"
    unit: CountUnit
    description: str
    semihost: bool = False                   # `exit` ends the target through semihosting (QEMU)
    transport: Transport | None = None
    process: subprocess.Popen | None = None  # the child the driver started (QEMU, the host firmware)
    log: IO[bytes] | None = None             # that child's output, for the tail in Stopped.log
    cycles: "Probe | None" = None            # the cycle plugin attached to this target (QEMU only)


class Driver(Protocol):
    """One way of reaching a target (see codegen.hil.registry); the strategy calls flash, start, stop.

    A driver that must hold something for a whole run (a farm place: acquired before the first step,
    released after the last) also has ``hold(board, request)``: a context manager whose value is the
    driver bound to what it holds; the strategy enters it before its first step and leaves it when it
    ends (also on an error or Ctrl-C).
    """

    name: str
    priority: int  # lower is asked first; the first driver that applies to a board and request runs it

    def applies(self, board: Board, request: RunRequest) -> bool: ...

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        """Put the firmware where the target will run it; returns what was done."""
        ...

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        """Start the target and connect; cleans up after itself when it raises."""
        ...

    def stop(self, session: Session, clean: bool) -> Stopped:
        """End the session for sure (`clean`: ask the target to exit first; otherwise kill it)."""
        ...
