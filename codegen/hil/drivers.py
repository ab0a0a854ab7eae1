"""Target drivers: how to start a built firmware and get a :class:`Device` talking to it.

Three layers, as in labgrid: a *resource* (plain data: a board file, a port), a *driver* that
implements one way of reaching a target (QEMU, serial plus a flash tool, a host process), and the
session that moves it from built to running to stopped. Drivers register themselves in
``DRIVERS`` in priority order; a run takes the first that applies to its board and request.
"""

from __future__ import annotations

import contextlib
import ctypes
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Protocol

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.dut import Device
from codegen.hil.transport import KickedSerialTransport, ProcessTransport, SerialTransport

QEMU = "qemu-system-arm"
ICOUNT_SHIFT = 0


@dataclass(frozen=True)
class RunRequest:
    target: str = "auto"          # auto | emulator | device | host
    port: str | None = None       # serial port or URL for a real board (or rfc2217://...)
    baud: int | None = None
    flash: bool = True            # flash before running (real boards)
    timeout: float = 20.0         # per request, seconds
    gpio_trace: Path | None = None  # QEMU: log timing-pin changes here
    extra_qemu_args: tuple[str, ...] = ()


@dataclass(frozen=True)
class CountUnit:
    """How to read the device's counter ticks."""

    name: str            # "instructions" (QEMU -icount), "cycles" (hardware), "ns" (host)
    per_tick: float      # units per counter tick
    clock_hz: int        # for microseconds: units per second (0 if none applies)
    basis: str           # human-readable: how the latency is obtained


@dataclass
class Session:
    device: Device
    driver: "Driver"
    unit: CountUnit
    description: str
    semihost: bool = False
    extras: dict = field(default_factory=dict)


class Driver(Protocol):
    name: str

    def applies(self, board: Board, request: RunRequest) -> bool: ...

    def session(self, board: Board, firmware: Path, request: RunRequest) -> contextlib.AbstractContextManager[Session]: ...


DRIVERS: list[Driver] = []


def register(driver: Driver) -> Driver:
    DRIVERS.append(driver)
    return driver


def select_driver(board: Board, request: RunRequest) -> Driver:
    for d in DRIVERS:
        if d.applies(board, request):
            return d
    kinds = []
    if board.emulated:
        kinds.append("target=emulator")
    if board.real:
        kinds.append("a real board (port=... or connected by USB)")
    raise McuforgeError(f"no way to run board {board.name} with target={request.target}",
                        hint="use " + (" or ".join(kinds) if kinds else "board=host or an emulated board"))


def _die_with_parent() -> None:
    """In the child: get SIGKILL when the parent dies, so QEMU never outlives mcuforge."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def reap(proc: subprocess.Popen, grace: float = 3.0) -> int | None:
    """Stop a child for sure: wait briefly, then terminate, then kill. Returns its exit code."""
    try:
        return proc.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        proc.terminate()
        try:
            return proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            return proc.wait(timeout=grace)


class HostDriver:
    name = "host"

    def applies(self, board: Board, request: RunRequest) -> bool:
        return board.native and request.target in ("auto", "host")

    @contextlib.contextmanager
    def session(self, board: Board, firmware: Path, request: RunRequest) -> Iterator[Session]:
        t = ProcessTransport([str(firmware)])
        try:
            dev = Device(t, timeout=request.timeout)
            dev.wait_boot(10)
            yield Session(device=dev, driver=self, description="native process on this machine",
                          unit=CountUnit("ns", 1.0, 1_000_000_000, "wall clock of the build machine (noisy)"))
        finally:
            t.close()


class QemuDriver:
    name = "qemu"

    def applies(self, board: Board, request: RunRequest) -> bool:
        if not board.emulated:
            return False
        if request.target == "emulator":
            return True
        return request.target == "auto" and request.port is None and not detect_ports(board)

    def command(self, board: Board, firmware: Path, port: int, request: RunRequest,
                kick_port: int | None = None) -> list[str]:
        assert board.emulator is not None
        serials = ["-serial", f"tcp:127.0.0.1:{port},server=on,wait=on"]
        if kick_port is not None:
            kick = board.emulator.kick_serial
            assert kick is not None and kick >= 1
            serials += ["-serial", "null"] * (kick - 1) + ["-serial", f"tcp:127.0.0.1:{kick_port},server=on,wait=off"]
        cmd = [QEMU, "-M", board.emulator.machine, "-kernel", str(firmware), "-nographic", "-monitor", "none",
               *serials,
               "-icount", f"shift={ICOUNT_SHIFT},align=off,sleep=off",
               "-semihosting-config", "enable=on,target=native", *board.emulator.args, *request.extra_qemu_args]
        if request.gpio_trace is not None:
            cmd += ["-trace", "stm32l4x5_gpio_update_idr", "-trace", "cmsdk_apb_*", "-D", str(request.gpio_trace)]
        return cmd

    @contextlib.contextmanager
    def session(self, board: Board, firmware: Path, request: RunRequest) -> Iterator[Session]:
        import shutil
        if shutil.which(QEMU) is None:
            raise McuforgeError(f"{QEMU} is not installed", hint="run ./setup.sh (QEMU 10 from bookworm-backports)")
        port = free_port()
        kick_port = free_port() if board.emulator and board.emulator.kick_serial else None
        proc = subprocess.Popen(self.command(board, firmware, port, request, kick_port), stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, preexec_fn=_die_with_parent)
        t = None
        try:
            t = _connect(f"socket://127.0.0.1:{port}", proc, timeout=15, kick_port=kick_port)
            dev = Device(t, timeout=request.timeout)
            dev.wait_boot(10)
            per_tick = 1e9 / (board.counter_hz * (1 << ICOUNT_SHIFT))
            unit = CountUnit("instructions", per_tick, board.cpu_hz,
                             f"QEMU -icount shift={ICOUNT_SHIFT}: SysTick at {board.counter_hz / 1e6:g} MHz of virtual "
                             f"time = {per_tick:g} instructions per tick; latency estimated at 1 instruction per "
                             f"cycle at {board.cpu_hz / 1e6:g} MHz")
            yield Session(device=dev, driver=self, unit=unit, semihost=True, extras={"qemu": proc},
                          description=f"QEMU {board.emulator.machine if board.emulator else ''} (emulated, -icount)")
        finally:
            if t is not None:
                t.close()
            code = reap(proc)
            _ = code


def _connect(url: str, proc: subprocess.Popen, timeout: float, kick_port: int | None = None) -> SerialTransport:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
            raise McuforgeError(f"QEMU exited before the console connected (code {proc.returncode}): {err.strip()}",
                                hint="check the board's [emulator] machine name and that the ELF is for it")
        try:
            if kick_port is not None:
                return KickedSerialTransport(url, "127.0.0.1", kick_port, open_timeout=0.5)
            return SerialTransport(url, open_timeout=0.5)
        except ConnectionError:
            if time.monotonic() > deadline:
                raise McuforgeError(f"QEMU's console at {url} did not open within {timeout:.0f} s",
                                    hint="is another QEMU holding the port?") from None


def detect_ports(board: Board) -> list[str]:
    """Serial ports of attached boards of this kind (by the USB VID/PID in the board file)."""
    if not board.upload or not board.upload.usb:
        return []
    from serial.tools import list_ports
    ids = {(u.vid, u.pid) for u in board.upload.usb}
    return [p.device for p in list_ports.comports() if (p.vid, p.pid) in ids]


class SerialFlashDriver:
    """A real board: flash with the board's upload tool, then talk over its serial port."""

    name = "device"

    def __init__(self, flasher: Callable[[Board, Path, RunRequest], None] | None = None) -> None:
        self.flasher = flasher

    def applies(self, board: Board, request: RunRequest) -> bool:
        if not board.real:
            return False
        if request.target == "device":
            return True
        return request.target == "auto" and (request.port is not None or bool(detect_ports(board)))

    @contextlib.contextmanager
    def session(self, board: Board, firmware: Path, request: RunRequest) -> Iterator[Session]:
        port = request.port
        if port is None:
            found = detect_ports(board)
            if not found:
                ids = ", ".join(f"{u.vid:04x}:{u.pid:04x}" for u in board.upload.usb) if board.upload else "?"
                raise McuforgeError(f"no {board.name} found on USB (looked for {ids})",
                                    hint="connect the board, or give port=/dev/ttyACM0 (or rfc2217://host:port)")
            port = found[0]
        if request.flash and self.flasher is not None:
            self.flasher(board, firmware, request)
        baud = request.baud or int(board.console.get("baud", 115200))
        t = SerialTransport(port, baudrate=baud)
        try:
            dev = Device(t, timeout=request.timeout)
            dev.wait_boot(5)
            info = dev.info()
            if info.counter == "dwt":
                unit = CountUnit("cycles", 1.0, board.cpu_hz, f"DWT cycle counter at {board.cpu_hz / 1e6:g} MHz")
            else:
                unit = CountUnit("cycles", board.cpu_hz / info.counter_hz, board.cpu_hz,
                                 f"SysTick at {info.counter_hz / 1e6:g} MHz")
            yield Session(device=dev, driver=self, unit=unit, description=f"{board.title} on {port}")
        finally:
            t.close()


def pio_upload(board: Board, firmware: Path, request: RunRequest) -> None:
    """Flash with `pio run -t upload` in the firmware's project (the board's upload protocol)."""
    from codegen.pio.runner import run_pio
    res = run_pio(firmware.parent, board.name, targets=("upload",), timeout=180)
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-15:])
        raise McuforgeError(f"flashing {board.name} failed:\n{tail}",
                            hint="check the probe connection and udev permissions; or flash=0 to skip")


register(HostDriver())
register(SerialFlashDriver(flasher=pio_upload))
register(QemuDriver())
