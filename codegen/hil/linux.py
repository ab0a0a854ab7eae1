"""Running the cross-compiled program of a Linux board (``kind = "linux"``), on the board or emulated.

The program is the same runtime as the host board's (firmware/bsp/host): the device protocol on its
stdio, CLOCK_MONOTONIC as its counter, its peak resident set reported on stderr at exit. It runs on a
:class:`~codegen.hil.remote.Machine`: the board over SSH (the hardware map's entry), or this machine.
Two ways (:class:`LinuxMode`):

* ``native``: on the board's own CPU (``uname -m`` there must be the board's architecture);
* ``emulated``: under QEMU user mode (``qemu-aarch64 -cpu cortex-a72 ./firmware``), on this machine or
  on the SSH machine the hardware map names (the tests' sshd on loopback: the real deploy path). Its
  clock readings are the emulator's wall time on the build machine, not the board's: labelled so.

Deploying is the driver's ``flash`` step: check the machine (reachable, architecture, emulator,
`perf`), then copy the program into ``~/.cache/mcuforge/<board>/<build>/`` there. Starting wraps it
in :func:`~codegen.hil.remote.supervised`, so a program killed by a signal is reported by name.
"""

from __future__ import annotations

import enum
import os
import platform
import select
import time
from dataclasses import dataclass
from pathlib import Path

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.dut import Device
from codegen.hil.processes import kill, reap
from codegen.hil.records import CountUnit, Driver, RunRequest, Session, Stopped, TargetKind
from codegen.hil.remote import (PID_LINE, RSS_LINE, SIGNAL_LINE, LocalMachine, Machine, RemoteError, SshMachine,
                                signal_name, supervised)
from codegen.hil.transport import ProcessTransport

PROGRAM = "firmware"
PERF_EVENTS = ("cycles", "instructions")
EXIT_WAIT_S = 5.0


class LinuxMode(enum.StrEnum):
    NATIVE = "native"      # the board's own CPU
    EMULATED = "emulated"  # QEMU user mode


class ArchitectureMismatch(McuforgeError):
    """The machine the hardware map points at is not of the board's architecture."""


class ProgramCrashed(McuforgeError):
    """The program ended by itself in the middle of a session: a signal, or an exit status."""


def local_arch() -> str:
    return platform.machine()


def runs_here(board: Board) -> bool:
    """This machine runs the board's programs natively (the build machine is of its architecture)."""
    return board.linux is not None and local_arch() in board.linux.arch.uname


def mode_for(board: Board, request: RunRequest) -> LinuxMode | None:
    """How a Linux board runs for this request (None: not a Linux board, or target=attach).
    target=emulator: QEMU user mode; device/host: natively; auto: natively on the hardware map's
    machine or here when this machine is of the board's architecture, else emulated if it can be."""
    if board.linux is None or request.target == TargetKind.ATTACH:
        return None
    if request.target == TargetKind.EMULATOR:
        return LinuxMode.EMULATED if board.linux.emulated else None
    if request.target in (TargetKind.DEVICE, TargetKind.HOST):
        return LinuxMode.NATIVE
    if request.ssh is not None or runs_here(board) or not board.linux.emulated:
        return LinuxMode.NATIVE
    return LinuxMode.EMULATED


def machine_for(board: Board, firmware: Path, request: RunRequest, mode: LinuxMode) -> Machine:
    if request.ssh is not None:
        return SshMachine(request.ssh)
    if mode == LinuxMode.NATIVE and not runs_here(board):
        assert board.linux is not None
        raise McuforgeError(
            f"no way to reach {board.name}: this machine is {local_arch()}, the board {board.linux.arch.name}, "
            "and the hardware map has no ssh entry for it",
            hint=f'add [[target]] board = "{board.name}", ssh = "user@host" to your hardware map '
                 "(docs/HIL.md)" + (", or run it emulated: target=emulator" if board.linux.emulated else ""))
    return LocalMachine(Path(firmware).parent)


def deploy_dir(board: Board, firmware: Path, machine: Machine) -> str:
    """Where the program goes on the machine: beside the build here; over SSH under the hardware map's
    `ssh_dir` (default ~/.cache/mcuforge)."""
    if isinstance(machine, SshMachine):
        return f"{machine.target.directory}/{board.name}/{Path(firmware).parent.name}"
    return "deploy"


def program(board: Board, mode: LinuxMode, perf: bool) -> str:
    """The command line that runs the program in its directory (under QEMU, under perf stat)."""
    assert board.linux is not None
    cmd = f"./{PROGRAM}"
    if mode == LinuxMode.EMULATED:
        cmd = f"{board.linux.arch.qemu} -cpu {board.linux.emulator_cpu} {cmd}"
    if perf:
        cmd = f"perf stat -x, -e {','.join(PERF_EVENTS)} -- {cmd}"
    return cmd


@dataclass(frozen=True)
class MachineFacts:
    arch: str              # `uname -m`
    emulator: str | None   # the QEMU user-mode binary's path, when wanted and found
    perf: bool             # `perf stat` counts instructions there


PERF_PROBE = "perf stat -x, -e instructions true"


def perf_counts(text: str) -> dict[str, int | None]:
    """`perf stat -x,` lines -> {event: count or None (not supported / not counted)}."""
    out: dict[str, int | None] = {}
    for line in text.splitlines():
        parts = line.split(",")
        if len(parts) < 3 or not parts[2]:
            continue
        event = parts[2].split(":")[0]
        if event not in PERF_EVENTS:
            continue
        out[event] = int(parts[0]) if parts[0].isdigit() else None
    return out


def inspect_machine(board: Board, machine: Machine, mode: LinuxMode) -> MachineFacts:
    """One command on the machine: its architecture, the emulator, perf. Raises a clear error when the
    machine cannot be reached, is of another architecture, or lacks the emulator."""
    assert board.linux is not None
    qemu = board.linux.arch.qemu
    res = machine.run(f"uname -m; command -v {qemu} || echo no-emulator; "
                      f"{PERF_PROBE} 2>&1 >/dev/null || echo no-perf")
    if res.returncode != 0:
        raise RemoteError(f"cannot inspect {machine.description}: {res.stderr.strip()[-300:]}",
                          hint="a POSIX shell with uname is needed on the board")
    lines = res.stdout.strip().splitlines()
    arch = lines[0].strip() if lines else "?"
    emulator = lines[1].strip() if len(lines) > 1 and lines[1].strip() != "no-emulator" else None
    perf = perf_counts("\n".join(lines[2:])).get("instructions") is not None
    if mode == LinuxMode.NATIVE and arch not in board.linux.arch.uname:
        raise ArchitectureMismatch(
            f"architecture mismatch: {board.name} is {board.linux.arch.name}, but {machine.description} is {arch}",
            hint=f"point the hardware map's {board.name} entry at an {board.linux.arch.name} machine"
                 + (", or run it emulated: target=emulator" if board.linux.emulated else "")
                 + f" (or pick the board that matches {arch})")
    if mode == LinuxMode.EMULATED and emulator is None:
        where = "here" if isinstance(machine, LocalMachine) else f"on {machine.description}"
        raise McuforgeError(f"{qemu} is not installed {where}: it emulates {board.name}",
                            hint="run ./setup.sh, or `apt-get install qemu-user` there")
    return MachineFacts(arch=arch, emulator=emulator, perf=perf)


def deploy(board: Board, firmware: Path, request: RunRequest, mode: LinuxMode) -> str:
    """The driver's flash step: check the machine, copy the program there."""
    if not Path(firmware).is_file():
        raise McuforgeError(f"no program at {firmware}", hint=f"build it first (scons board={board.name} ...)")
    machine = machine_for(board, firmware, request, mode)
    facts = inspect_machine(board, machine, mode)
    d = deploy_dir(board, firmware, machine)
    machine.put({PROGRAM: Path(firmware)}, d)
    return f"copied {Path(firmware).name} to {machine.description}:{machine.path(d)} ({facts.arch})"


class SupervisedTransport(ProcessTransport):
    """The program's stdio through :func:`~codegen.hil.remote.supervised` (locally or over ssh): keeps
    what it writes on stderr, learns its process id there, and names how it ended when its output
    closes mid-session (a signal, an exit status, ssh's own failure)."""

    def __init__(self, argv: list[str], where: str, machine: Machine) -> None:
        super().__init__(argv)
        self.where, self.machine = where, machine
        self.err = b""
        self.pid: int | None = None

    def _pump(self, timeout: float) -> bool:
        """Read what stderr holds (waiting up to `timeout`); False at its end."""
        assert self.proc.stderr is not None
        fd = self.proc.stderr.fileno()
        r, _, _ = select.select([fd], [], [], max(0.0, timeout))
        if not r:
            return True
        data = os.read(fd, 65536)
        self.err += data
        return bool(data)

    def wait_pid(self, timeout: float) -> int:
        deadline = time.monotonic() + timeout
        while self.pid is None:
            m = PID_LINE.search(self.err.decode(errors="replace"))
            if m:
                self.pid = int(m.group(1))
                break
            left = deadline - time.monotonic()
            if left <= 0 or not self._pump(min(left, 0.25)):
                if left > 0:  # stderr closed: the command failed before the program started
                    self.proc.wait(timeout=EXIT_WAIT_S)
                raise self.failure(starting=True)
        return self.pid

    def finish(self, timeout: float = EXIT_WAIT_S) -> str:
        """Everything the program wrote on stderr, up to its end (waiting at most `timeout`)."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0 and self._pump(min(0.25, left)):
            pass
        return self.err.decode(errors="replace")

    def failure(self, starting: bool = False) -> McuforgeError:
        try:
            self.proc.wait(timeout=EXIT_WAIT_S)
        except Exception:  # noqa: BLE001 - still running: described as such below
            pass
        text = self.finish(1.0)
        code = self.proc.poll()
        sig = SIGNAL_LINE.search(text)
        if sig:
            n = int(sig.group(1))
            return ProgramCrashed(f"the program on {self.where} was killed by {signal_name(n)} (signal {n})",
                                  hint="a crash in the generated code or the runtime: run it on the host board "
                                       "(board=host) under gdb, or `python -m codegen debug MODEL`")
        if code == 255 and isinstance(self.machine, SshMachine):
            return self.machine.failure(text)
        what = "could not start" if starting else "ended in the middle of the session"
        tail = text.strip()[-300:]
        return ProgramCrashed(f"the program on {self.where} {what} (exit status {code}): {tail}",
                              hint="its output above says why")

    def _how_it_ended(self) -> str:
        return "see failure()"  # stderr is this class's to read (pid, signal lines): failure() names the end

    def read(self, timeout: float) -> bytes:
        try:
            return super().read(timeout)
        except EOFError:
            raise EOFError(self.failure().message) from None


@dataclass
class LinuxSession(Session):
    machine: Machine | None = None
    pid: int | None = None
    directory: str = ""  # where the program runs on the machine (Machine.kill checks the pid is still there)
    mode: LinuxMode = LinuxMode.NATIVE


def unit(board: Board, machine: Machine, mode: LinuxMode) -> CountUnit:
    if mode == LinuxMode.EMULATED:
        return CountUnit("ns", 1.0, 1_000_000_000,
                         f"emulated: CLOCK_MONOTONIC under QEMU user mode on the build machine (wall time of the "
                         f"emulator, not {board.name}'s)")
    return CountUnit("ns", 1.0, 1_000_000_000, f"CLOCK_MONOTONIC on {machine.description} (wall clock)")


def start(driver: Driver, board: Board, firmware: Path, request: RunRequest, mode: LinuxMode) -> LinuxSession:
    machine = machine_for(board, firmware, request, mode)
    d = deploy_dir(board, firmware, machine)
    where = f"{board.name} ({machine.description}" + (", QEMU user mode)" if mode == LinuxMode.EMULATED else ")")
    t = SupervisedTransport(machine.argv(supervised(machine.path(d), program(board, mode, request.perf))),
                            where, machine)
    try:
        t.wait_pid(request.boot_timeout)
        dev = Device(t, timeout=request.timeout, record=request.record)
        dev.wait_boot(request.boot_timeout)
        dev.info()
    except BaseException:
        if t.pid is not None:
            machine.kill(t.pid, d)
        kill(t.proc)
        t.close()
        raise
    what = "QEMU user mode" if mode == LinuxMode.EMULATED else "a process"
    return LinuxSession(device=dev, driver=driver, unit=unit(board, machine, mode), transport=t, process=t.proc,
                        description=f"{what} on {machine.description}" + (" (emulated)" if mode == LinuxMode.EMULATED
                                                                           else ""),
                        machine=machine, pid=t.pid, directory=d, mode=mode)


def stop(session: Session, clean: bool) -> Stopped:
    assert isinstance(session, LinuxSession) and isinstance(session.transport, SupervisedTransport)
    t = session.transport
    proc = t.proc
    if clean and not session.device.exited:
        session.device.exit(0, timeout=10)
    if clean:
        code = reap(proc, grace=EXIT_WAIT_S)
    else:
        # over SSH the program may outlive a dead connection: kill it there by its id in any case
        if session.pid is not None and session.machine is not None and (
                proc.poll() is None or isinstance(session.machine, SshMachine)):
            session.machine.kill(session.pid, session.directory)
        code = kill(proc)
    text = t.finish()
    t.close()
    rss = RSS_LINE.findall(text)
    sig = SIGNAL_LINE.search(text)
    if sig and code is not None and code > 0:  # the shell's 128 + N, or ssh's 255: a signal ended it
        code = -int(sig.group(1))
    counters = perf_counts(text)
    log = "\n".join(line for line in text.splitlines() if not PID_LINE.match(line))[-2000:]
    return Stopped(how="exited" if clean and code == 0 else "killed", exit_code=code, log=log,
                   peak_rss_bytes=int(rss[-1]) * 1024 if rss else None,
                   counters=tuple((e, counters.get(e)) for e in PERF_EVENTS) if counters else ())
