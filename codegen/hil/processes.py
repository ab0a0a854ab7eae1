"""Child processes of the run layer (QEMU, the host firmware, helpers): started so that they die with
mcuforge, stopped for sure, their output's tail kept for error messages; and a free local port for
a child to listen on."""

from __future__ import annotations

import socket
import subprocess
from typing import IO


def die_with_parent() -> None:
    """In a child (``preexec_fn``): get SIGKILL when the parent dies, so no QEMU, host firmware or
    helper outlives mcuforge (PR_SET_PDEATHSIG)."""
    try:
        import ctypes
        import signal
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass


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
