"""Where a Linux board's programs run: this machine (:class:`LocalMachine`) or a board over SSH
(:class:`SshMachine`, the system ``ssh`` with ``BatchMode`` and bounded timeouts: never a password
prompt, never a wait without end).

Both take POSIX shell command lines and offer the same four things: ``run`` a command to completion,
``put`` files into a working directory (over SSH: one ``tar`` stream, no sftp needed on the board),
``argv`` to start a long-running command with its stdio attached (the device protocol), and ``kill``
a process by id. :func:`supervised` wraps a program so that its process id and, when a signal ends
it, the signal reach the caller on stderr (``ssh`` itself only says 255 when the remote program dies
of a signal).
"""

from __future__ import annotations

import io
import re
import shlex
import signal
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping, Protocol

from codegen.errors import McuforgeError

CONNECT_TIMEOUT_S = 10.0   # ssh's ConnectTimeout
COMMAND_TIMEOUT_S = 60.0   # a short command on the board (uname, mkdir, kill)
COPY_TIMEOUT_S = 300.0     # copying files (a slow Wi-Fi board and a large model)

PID_LINE = re.compile(r"^mcuforge: pid=(\d+)$", re.M)
SIGNAL_LINE = re.compile(r"^mcuforge: signal=(\d+)$", re.M)
RSS_LINE = re.compile(r"^mcuforge: peak_rss_kb=(\d+)$", re.M)


class RemoteError(McuforgeError):
    """A board cannot be reached, refuses the login, or a command on it failed."""


@dataclass(frozen=True)
class SshTarget:
    """How to reach one board over SSH: from the user's hardware map, never from board files."""

    destination: str                 # user@host (or a Host alias of ~/.ssh/config)
    port: int | None = None          # None: ssh's default (22, or the ssh config's)
    key: Path | None = None          # identity file; None: ssh's defaults and agent
    known_hosts: Path | None = None  # None: the user's ~/.ssh/known_hosts (new hosts accepted once)
    connect_timeout: float = CONNECT_TIMEOUT_S
    directory: str = ".cache/mcuforge"  # where programs go there (relative: to the login's home)

    def describe(self) -> str:
        return self.destination + (f" port {self.port}" if self.port else "")


class Machine(Protocol):
    description: str

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess: ...

    def put(self, files: Mapping[str, Path], directory: str, timeout: float = COPY_TIMEOUT_S) -> None: ...

    def argv(self, command: str) -> list[str]: ...

    def path(self, directory: str) -> str:
        """`directory` as a command run by this machine names it (over SSH: relative to the home)."""
        ...

    def kill(self, pid: int, directory: str) -> None:
        """SIGKILL the program `pid` started in `directory` (a name as :meth:`path` gives it), but only
        while that process still runs there: a pid whose program has ended may belong to another
        process by now (pids are reused), and that process must not be killed."""
        ...


def kill_if_still_there(pid: int, directory: str) -> str:
    """The shell command behind :meth:`Machine.kill`: kill `pid` only if its working directory is
    `directory` (resolved; Linux's /proc), else do nothing. Always exits 0."""
    d = shlex.quote(directory)
    return (f"d=$(cd {d} 2>/dev/null && pwd -P) && [ \"$(readlink /proc/{int(pid)}/cwd 2>/dev/null)\" = \"$d\" ] "
            f"&& kill -9 {int(pid)} 2>/dev/null; true")


def supervised(directory: str, program: str) -> str:
    """A shell command that runs `program` (a command line) in `directory` with the caller's stdin,
    reports ``mcuforge: pid=N`` on stderr first and ``mcuforge: signal=S`` when a signal ends it,
    and exits with its status."""
    # an asynchronous list's stdin is /dev/null before its own redirections: hand it ours through fd 3
    return (f"cd {shlex.quote(directory)} || exit 97; exec 3<&0; {program} <&3 3<&- & pid=$!; exec 3<&-; "
            "echo \"mcuforge: pid=$pid\" >&2; wait $pid; s=$?; "
            "if [ $s -gt 128 ]; then echo \"mcuforge: signal=$((s - 128))\" >&2; fi; exit $s")


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


class LocalMachine:
    """This machine: commands run under ``sh -c``, files are copied into `root`."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.description = "this machine"

    def _dir(self, directory: str) -> Path:
        return self.root / directory

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S) -> subprocess.CompletedProcess:
        try:
            return subprocess.run(["sh", "-c", command], capture_output=True, text=True, timeout=timeout,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise RemoteError(f"`{command}` did not finish within {timeout:g} s on this machine",
                              hint="the machine is overloaded, or the command hangs") from None

    def put(self, files: Mapping[str, Path], directory: str, timeout: float = COPY_TIMEOUT_S) -> None:
        import shutil
        d = self._dir(directory)
        d.mkdir(parents=True, exist_ok=True)
        for name, src in files.items():
            tmp = d / (name + ".tmp")
            shutil.copy2(src, tmp)
            tmp.replace(d / name)  # atomic: a program still running from the old file keeps its inode

    def argv(self, command: str) -> list[str]:
        return ["sh", "-c", command]

    def path(self, directory: str) -> str:
        return str(self._dir(directory))

    def kill(self, pid: int, directory: str) -> None:
        self.run(kill_if_still_there(pid, self.path(directory)))  # the same check as over SSH


class SshMachine:
    """A board over SSH: ``ssh -T`` with BatchMode (a missing key fails at once instead of prompting),
    ConnectTimeout and keep-alives; every command bounded by a timeout."""

    def __init__(self, target: SshTarget) -> None:
        self.target = target
        self.description = target.describe()

    def options(self) -> list[str]:
        t = self.target
        opts = ["-o", "BatchMode=yes", "-o", f"ConnectTimeout={max(1, round(t.connect_timeout))}",
                "-o", "ServerAliveInterval=5", "-o", "ServerAliveCountMax=6", "-o", "LogLevel=ERROR"]
        if t.known_hosts is not None:
            opts += ["-o", f"UserKnownHostsFile={t.known_hosts}", "-o", "StrictHostKeyChecking=accept-new"]
        else:
            opts += ["-o", "StrictHostKeyChecking=accept-new"]
        if t.key is not None:
            opts += ["-i", str(t.key), "-o", "IdentitiesOnly=yes"]
        if t.port is not None:
            opts += ["-p", str(t.port)]
        return opts

    def argv(self, command: str) -> list[str]:
        return ["ssh", "-T", *self.options(), self.target.destination, command]

    def test_command(self) -> str:
        """What the user types to check the connection by hand."""
        return shlex.join(["ssh", *self.options(), self.target.destination, "true"])

    def run(self, command: str, timeout: float = COMMAND_TIMEOUT_S, stdin: bytes | None = None
            ) -> subprocess.CompletedProcess:
        try:
            res = subprocess.run(self.argv(command), capture_output=True, timeout=timeout,
                                 input=stdin if stdin is not None else b"")
        except FileNotFoundError:
            raise RemoteError("ssh is not installed on this machine",
                              hint="apt-get install openssh-client") from None
        except subprocess.TimeoutExpired:
            raise RemoteError(f"`{command[:80]}` on {self.description} did not finish within {timeout:g} s",
                              hint=f"check the board and the network; test the connection with: {self.test_command()}"
                              ) from None
        out = subprocess.CompletedProcess(res.args, res.returncode, res.stdout.decode(errors="replace"),
                                          res.stderr.decode(errors="replace"))
        if out.returncode == 255:
            raise self.failure(out.stderr)
        return out

    def failure(self, stderr: str) -> RemoteError:
        """ssh's own failure (exit 255), named: refused, unreachable, login refused, host key."""
        text = stderr.strip().splitlines()[-1] if stderr.strip() else "ssh failed without a message"
        low = stderr.lower()
        test = f"test it with: {self.test_command()}"
        if "connection refused" in low:
            what, fix = "connection refused", f"is sshd running on the board and listening on that port? {test}"
        elif "timed out" in low or "no route to host" in low or "network is unreachable" in low:
            what, fix = "unreachable", f"is the board on and on this network? {test}"
        elif "could not resolve" in low or "name or service not known" in low:
            what, fix = "unknown host", f"check the hardware map's ssh = \"user@host\"; {test}"
        elif "permission denied" in low:
            what, fix = "login refused", ("install your public key on the board (ssh-copy-id), or give the "
                                          f"hardware map's ssh_key; {test}")
        elif "host key verification failed" in low or "remote host identification has changed" in low:
            what, fix = "host key mismatch", f"the board's host key changed: remove its line from known_hosts; {test}"
        else:
            what, fix = "ssh failed", test
        return RemoteError(f"cannot reach {self.description} over SSH ({what}): {text}", hint=fix)

    def put(self, files: Mapping[str, Path], directory: str, timeout: float = COPY_TIMEOUT_S) -> None:
        """One tar stream over one connection: `directory` (relative to the login's home) is created,
        the files land atomically (a program still running from an old copy is not disturbed)."""
        buf = io.BytesIO()
        with tarfile.open(fileobj=buf, mode="w") as tar:
            for name, src in files.items():
                tar.add(str(src), arcname=name + ".tmp", recursive=False)
        moves = "; ".join(f"mv -f {shlex.quote(n + '.tmp')} {shlex.quote(n)}" for n in files)
        d = shlex.quote(directory)
        res = self.run(f"mkdir -p {d} && cd {d} && tar -xf - && {moves}", timeout=timeout, stdin=buf.getvalue())
        if res.returncode != 0:
            raise RemoteError(f"copying to {self.description}:{directory} failed: {res.stderr.strip()[-300:]}",
                              hint="is the board's disk full, or is tar missing there?")

    def path(self, directory: str) -> str:
        return directory

    def kill(self, pid: int, directory: str) -> None:
        try:
            self.run(kill_if_still_there(pid, self.path(directory)), timeout=COMMAND_TIMEOUT_S)
        except RemoteError:
            pass  # the board went away: nothing left to stop from here
