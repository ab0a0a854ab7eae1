"""Child processes of the run layer (QEMU, the host firmware, helpers): started so that they die with
mcuforge, stopped for sure, their output's tail kept for error messages; and a free local port for
a child to listen on."""

from __future__ import annotations

import functools
import shutil
import socket
import subprocess
from typing import IO, Sequence


@functools.cache
def _setpriv() -> str | None:
    """util-linux's setpriv if it can set the parent-death signal (2.33 and later; Debian 12 has 2.38)."""
    path = shutil.which("setpriv")
    if path is None:
        return None
    try:
        ok = subprocess.run([path, "--pdeathsig", "KILL", "--", "true"], capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ok = False
    return path if ok else None


def dying_with_parent(argv: Sequence[str]) -> list[str]:
    """`argv` started so that it gets SIGKILL when mcuforge dies (PR_SET_PDEATHSIG), so no QEMU, host
    firmware or helper outlives it: util-linux's setpriv sets the signal and execs the program (same
    pid). Not a ``preexec_fn``: Python code between fork and exec in a process with threads (gRPC's,
    TensorFlow's) can kill the child before it execs, and Popen then returns a "process" that is a
    dead copy of the parent (measured under load: the host firmware's process ended by SIGABRT with
    gRPC's epoll error on its stderr). Without setpriv the program starts unguarded."""
    setpriv = _setpriv()
    return [setpriv, "--pdeathsig", "KILL", "--", *argv] if setpriv else list(argv)


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


def tail(f: IO[bytes] | None, limit: int = 2000) -> str:
    """The last `limit` characters a child wrote to the file `f` (from its start), or ""."""
    if f is None:
        return ""
    try:
        f.seek(0)
        return f.read().decode(errors="replace")[-limit:].strip()
    except (OSError, ValueError):
        return ""


def stream_tail(stream: IO[bytes] | None, limit: int = 2000) -> str:
    """The last `limit` characters left in a pipe a finished child wrote to, or ""."""
    if stream is None:
        return ""
    try:
        return stream.read().decode(errors="replace")[-limit:].strip()
    except (OSError, ValueError):
        return ""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on (for QEMU's console, a relay, ser2net)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
