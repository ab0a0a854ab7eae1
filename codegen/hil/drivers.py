"""Target drivers: how to flash, start and stop a built firmware and get a :class:`Device` talking to it.

Three layers, as in labgrid: a *resource* (plain data: a board file, a port, a hardware-map entry),
a *driver* that implements one way of reaching a target (a host process, QEMU, a serial port plus a
flash tool, a board someone else keeps running), and the *strategy* (:mod:`codegen.hil.strategy`)
that moves a target from built to flashed to running to stopped through a driver's ``flash``,
``start`` and ``stop``. Drivers register themselves in ``DRIVERS`` in priority order; a run takes the
first whose ``applies`` accepts its board and request. Nothing here dispatches on board names.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Callable, Iterator, Protocol

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.dut import Device
from codegen.hil.protocol import DeviceInfo
from codegen.hil.transport import ProcessTransport, SerialTransport, Transport
from codegen.hil.transport import die_with_parent as _die_with_parent

QEMU = "qemu-system-arm"
ICOUNT_SHIFT = 0


@dataclass(frozen=True)
class RunRequest:
    target: str = "auto"          # auto | emulator | device | host | attach
    port: str | None = None       # serial port or URL of a real board (/dev/ttyACM0, rfc2217://host:port)
    baud: int | None = None
    flash: bool = True            # flash before running (real boards)
    timeout: float = 20.0         # per request, seconds
    gpio_trace: Path | None = None  # QEMU: log timing-pin changes here (codegen.hil.gpio)
    extra_qemu_args: tuple[str, ...] = ()
    boot_timeout: float = 30.0    # seconds for the boot event (or a ping) after start: generous, a loaded machine boots QEMU slowly
    record: bool = False          # keep every request's wall-clock times (Device.exchanges)
    upload_protocol: str | None = None  # one of the board's [upload] protocols (default: its protocol)


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
    log: str = ""            # the tail of the emulator's or host process's stderr


@dataclass
class Session:
    device: Device
    driver: "Driver"
    unit: CountUnit
    description: str
    semihost: bool = False
    extras: dict = field(default_factory=dict)
    transport: Transport | None = None
    process: subprocess.Popen | None = None
    stderr: IO[bytes] | None = None


class Driver(Protocol):
    name: str

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


def kill(proc: subprocess.Popen) -> int | None:
    """Kill a child now (a hung or faulted target) and reap it."""
    if proc.poll() is None:
        proc.kill()
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL is not refused
        return None


def _tail(f: IO[bytes] | None, limit: int = 2000) -> str:
    if f is None:
        return ""
    try:
        f.seek(0)
        return f.read().decode(errors="replace")[-limit:].strip()
    except (OSError, ValueError):
        return ""


class SessionDriver:
    """``session()`` for every driver: the strategy's built -> running -> stopped as a context manager."""

    @contextlib.contextmanager
    def session(self, board: Board, firmware: Path, request: RunRequest) -> Iterator[Session]:
        from codegen.hil.strategy import running
        with running(board, firmware, request, driver=self) as session:  # type: ignore[arg-type]
            yield session


def unit_for(board: Board, info: DeviceInfo, emulated: bool) -> CountUnit:
    """What one counter tick means: QEMU instructions, DWT or SysTick cycles, or host nanoseconds."""
    if info.counter == "monotonic_ns":
        return CountUnit("ns", 1.0, 1_000_000_000, "wall clock of the build machine (noisy)")
    if emulated:
        per_tick = 1e9 / (info.counter_hz * (1 << ICOUNT_SHIFT))
        return CountUnit("instructions", per_tick, board.cpu_hz,
                         f"QEMU -icount shift={ICOUNT_SHIFT}: SysTick at {info.counter_hz / 1e6:g} MHz of virtual "
                         f"time = {per_tick:g} instructions per tick; latency estimated at 1 instruction per "
                         f"cycle at {board.cpu_hz / 1e6:g} MHz")
    if info.counter == "dwt":
        return CountUnit("cycles", 1.0, board.cpu_hz, f"DWT cycle counter at {board.cpu_hz / 1e6:g} MHz")
    return CountUnit("cycles", board.cpu_hz / info.counter_hz, board.cpu_hz,
                     f"SysTick at {info.counter_hz / 1e6:g} MHz")


class HostDriver(SessionDriver):
    """The `host` board: the firmware is a native program speaking the protocol on stdin/stdout."""

    name = "host"

    def applies(self, board: Board, request: RunRequest) -> bool:
        return board.native and request.target in ("auto", "host")

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        return "nothing to flash: a native program"

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        t = ProcessTransport([str(firmware)])
        try:
            dev = Device(t, timeout=request.timeout, record=request.record)
            dev.wait_boot(request.boot_timeout)
            info = dev.info()
        except BaseException:
            kill(t.proc)
            t.close()
            raise
        return Session(device=dev, driver=self, description="native process on this machine",
                       unit=unit_for(board, info, emulated=False), transport=t, process=t.proc)

    def stop(self, session: Session, clean: bool) -> Stopped:
        assert isinstance(session.transport, ProcessTransport)
        proc = session.transport.proc
        if clean and not session.device.exited:
            session.device.exit(0, timeout=3)
        code = reap(proc, grace=3) if clean else kill(proc)
        how = "killed" if code is not None and code < 0 else "exited"  # by a signal, or on its own
        log = ""
        if proc.stderr:
            try:
                log = proc.stderr.read().decode(errors="replace")[-2000:].strip()
            except (OSError, ValueError):
                pass
        session.transport.close()
        return Stopped(how=how, exit_code=code, log=log)


class QemuDriver(SessionDriver):
    """An emulated board: qemu-system-arm with the board's machine, console on a local TCP port,
    deterministic time (-icount), semihosting for a clean exit with a status code."""

    name = "qemu"

    def applies(self, board: Board, request: RunRequest) -> bool:
        if not board.emulated:
            return False
        if request.target == "emulator":
            return True
        return request.target == "auto" and request.port is None and not detect_ports(board)

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        if not Path(firmware).is_file():
            raise McuforgeError(f"no firmware at {firmware}", hint="build it first (scons board=... )")
        return f"QEMU loads {Path(firmware).name} at start (-kernel)"

    def serial_args(self, board: Board, port: int) -> list[str]:
        return ["-serial", f"tcp:127.0.0.1:{port},server=on,wait=on,nodelay=on"]

    def command(self, board: Board, firmware: Path, port: int, request: RunRequest,
                serial: list[str] | None = None) -> list[str]:
        assert board.emulator is not None
        cmd = [QEMU, "-M", board.emulator.machine, "-kernel", str(firmware), "-nographic", "-monitor", "none",
               *(serial if serial is not None else self.serial_args(board, port)),
               "-icount", f"shift={ICOUNT_SHIFT},align=off,sleep=off",
               "-semihosting-config", "enable=on,target=native", *board.emulator.args, *request.extra_qemu_args]
        if request.gpio_trace is not None:
            from codegen.hil.gpio import qemu_trace_args
            cmd += qemu_trace_args(board, request.gpio_trace)
        return cmd

    def launch(self, cmd: list[str]) -> tuple[subprocess.Popen, IO[bytes]]:
        """Start QEMU (its stdout and stderr to a file: a full pipe would stall it), dying with this process."""
        if shutil.which(QEMU) is None:
            raise McuforgeError(f"{QEMU} is not installed", hint="run ./setup.sh (QEMU 10 from bookworm-backports)")
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT,
                                preexec_fn=_die_with_parent)
        return proc, err

    def start(self, board: Board, firmware: Path, request: RunRequest) -> Session:
        port = free_port()
        proc, err = self.launch(self.command(board, firmware, port, request))
        t = None
        try:
            t = _connect(f"socket://127.0.0.1:{port}", proc, err, timeout=15)
            dev = Device(t, timeout=request.timeout, record=request.record)
            dev.wait_boot(request.boot_timeout)
            info = dev.info()
        except BaseException:
            if t is not None:
                t.close()
            kill(proc)
            err.close()
            raise
        return Session(device=dev, driver=self, unit=unit_for(board, info, emulated=True), semihost=True,
                       extras={"qemu": proc}, transport=t, process=proc, stderr=err,
                       description=f"QEMU {board.emulator.machine if board.emulator else ''} (emulated, -icount)")

    def stop(self, session: Session, clean: bool) -> Stopped:
        proc = session.process
        assert proc is not None
        if clean and not session.device.exited:
            session.device.exit(0, semihost=True, timeout=3)
        if session.transport is not None:
            session.transport.close()
        code = reap(proc, grace=3) if clean else kill(proc)
        how = "killed" if code is not None and code < 0 else "exited"  # by a signal, or on its own
        log = _tail(session.stderr)
        if session.stderr is not None:
            session.stderr.close()
        return Stopped(how=how, exit_code=code, log=log)


def _connect(url: str, proc: subprocess.Popen, err: IO[bytes] | None, timeout: float) -> SerialTransport:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise McuforgeError(f"QEMU exited before the console connected (code {proc.returncode}): {_tail(err)}",
                                hint="check the board's [emulator] machine name and that the ELF is for it")
        try:
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


class AttachDriver(SessionDriver):
    """A target someone else keeps running (a board in a farm, a labgrid place, QEMU behind ser2net):
    open its port, check it answers, never flash, never stop it (``target=attach port=URL``)."""

    name = "attach"

    def applies(self, board: Board, request: RunRequest) -> bool:
        return request.target == "attach"

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


class SerialFlashDriver(AttachDriver):
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

    def port(self, board: Board, request: RunRequest) -> str:
        if request.port is not None:
            return request.port
        found = detect_ports(board)
        if not found:
            ids = ", ".join(f"{u.vid:04x}:{u.pid:04x}" for u in board.upload.usb) if board.upload else "?"
            raise McuforgeError(f"no {board.name} found on USB (looked for {ids})",
                                hint="connect the board, or give port=/dev/ttyACM0 (or rfc2217://host:port)")
        return found[0]

    def flash(self, board: Board, firmware: Path, request: RunRequest) -> str:
        if not request.flash:
            return "not flashed (flash=0)"
        if self.flasher is None:
            return "no flash tool configured"
        self.flasher(board, firmware, request)
        return f"flashed with {board.upload.protocol if board.upload else 'the upload tool'}"


# the program each upload protocol runs (pio-platform/builder/main.py has the command lines)
UPLOAD_TOOLS = {"stlink": ("st-flash", "setup.sh installs Debian's stlink-tools"),
                "openocd": ("openocd", "setup.sh installs Debian's openocd"),
                "pyocd": ("pyocd", "`.venv/bin/pip install pyocd`")}


def pio_upload(board: Board, firmware: Path, request: RunRequest) -> None:
    """Flash with `pio run -t upload` in the firmware's project (the board's upload protocol, or
    `upload=` among the board's protocols)."""
    from codegen.pio.runner import run_pio
    assert board.upload is not None
    protocol = request.upload_protocol or board.upload.protocol
    if protocol not in board.upload.protocols:
        raise McuforgeError(f"{board.name} cannot be flashed with {protocol!r}",
                            hint="use one of its [upload] protocols: " + ", ".join(board.upload.protocols))
    tool, how = UPLOAD_TOOLS.get(protocol, (protocol, "install it"))
    if shutil.which(tool) is None:
        raise McuforgeError(f"flashing {board.name} with {protocol} needs `{tool}`, which is not installed",
                            hint=how)
    res = run_pio(firmware.parent, board.name, targets=("upload",), timeout=180,
                  extra_env={"MCUFORGE_UPLOAD_PROTOCOL": protocol})
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-15:])
        raise McuforgeError(f"flashing {board.name} failed:\n{tail}",
                            hint="check the probe connection and udev permissions; or flash=0 to skip")


register(HostDriver())
register(SerialFlashDriver(flasher=pio_upload))
register(AttachDriver())
register(QemuDriver())
