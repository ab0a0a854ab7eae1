"""An emulated board: qemu-system-arm with the board's machine, console on a local TCP port,
deterministic time (-icount), semihosting for a clean exit with a status code."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path
from typing import IO

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.dut import Device
from codegen.hil.gpio import qemu_trace_args
from codegen.hil.processes import dying_with_parent, free_port, kill, reap, tail
from codegen.hil.records import RunRequest, Session, Stopped, TargetKind
from codegen.hil.registry import register
from codegen.hil.transport import SerialTransport
from codegen.hil.units import ICOUNT_SHIFT, unit_for
from codegen.hil.usb import detect_ports

QEMU = "qemu-system-arm"


class QemuDriver:
    name = "qemu"
    priority = 40  # after the real-board drivers: a board at the desk wins over its emulation

    def applies(self, board: Board, request: RunRequest) -> bool:
        if not board.emulated:
            return False
        if request.target == TargetKind.EMULATOR:
            return True
        return request.target == TargetKind.AUTO and request.port is None and not detect_ports(board)

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
            cmd += qemu_trace_args(board, request.gpio_trace)
        if request.cycles is not None:
            cmd += request.cycles.qemu_args()
        return cmd

    def launch(self, cmd: list[str]) -> tuple[subprocess.Popen, IO[bytes]]:
        """Start QEMU (its stdout and stderr to a file: a full pipe would stall it), dying with this process."""
        if shutil.which(QEMU) is None:
            raise McuforgeError(f"{QEMU} is not installed", hint="run ./setup.sh (QEMU 10 from bookworm-backports)")
        err = tempfile.TemporaryFile()
        proc = subprocess.Popen(dying_with_parent(cmd), stdin=subprocess.DEVNULL, stdout=err, stderr=subprocess.STDOUT)
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
                       transport=t, process=proc, log=err, cycles=request.cycles,
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
        log = tail(session.log)
        if session.log is not None:
            session.log.close()
        return Stopped(how=how, exit_code=code, log=log)


def _connect(url: str, proc: subprocess.Popen, err: IO[bytes] | None, timeout: float) -> SerialTransport:
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise McuforgeError(f"QEMU exited before the console connected (code {proc.returncode}): {tail(err)}",
                                hint="check the board's [emulator] machine name and that the ELF is for it")
        try:
            return SerialTransport(url, open_timeout=0.5)
        except ConnectionError:
            if time.monotonic() > deadline:
                raise McuforgeError(f"QEMU's console at {url} did not open within {timeout:.0f} s",
                                    hint="is another QEMU holding the port?") from None


register(QemuDriver())
