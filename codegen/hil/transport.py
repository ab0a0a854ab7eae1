"""Byte transports to a device: anything pyserial opens (real ports, ``socket://`` for QEMU,
``rfc2217://`` for a board behind ser2net, ``loop://`` for tests), and a child process's stdio
(the ``host`` board). Every read is bounded by a timeout."""

from __future__ import annotations

import os
import select
import subprocess
import time
from typing import Protocol

import serial
import serial.rfc2217
from serial.urlhandler import protocol_socket

from codegen.hil.processes import dying_with_parent


class Transport(Protocol):
    def write(self, data: bytes) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Whatever bytes arrive within `timeout` seconds (b'' if none); raises EOFError when closed."""
        ...

    def close(self) -> None: ...


def _open(url: str, baudrate: int) -> serial.SerialBase:
    port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05, do_not_open=True)
    if not isinstance(port, serial.rfc2217.Serial):  # rfc2217:// refuses a write timeout (writes never block)
        port.write_timeout = 10
    # open() discards whatever already arrived (reset_input_buffer): on socket:// that races with a
    # target that talks first (QEMU's boot event). Keep every byte; the protocol skips what it must.
    discard = port.reset_input_buffer
    port.reset_input_buffer = lambda: None  # type: ignore[method-assign]
    try:
        port.open()
    finally:
        port.reset_input_buffer = discard  # type: ignore[method-assign]
    return port


class SerialTransport:
    """pyserial's URL handlers: a device path, socket://, rfc2217://, loop://."""

    def __init__(self, url: str, baudrate: int = 115200, open_timeout: float = 10.0) -> None:
        deadline = time.monotonic() + open_timeout
        last: Exception | None = None
        while True:
            try:
                self.port = _open(url, baudrate)
                break
            except (serial.SerialException, OSError) as exc:  # QEMU may not listen yet
                last = exc
                if time.monotonic() > deadline:
                    extra = ""
                    if "option 'control'" in str(last) and "ign_set_control" not in url:
                        extra = " (a ser2net in front of a pty never answers SET_CONTROL: add ?ign_set_control)"
                    raise ConnectionError(f"cannot open {url}: {last}{extra}") from exc
                time.sleep(0.05)
        self.url = url

    def write(self, data: bytes) -> None:
        self.port.write(data)
        self.port.flush()

    def read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            try:
                # socket:// drops bytes already read when EOF hits inside read(n): read what is waiting
                n = self.port.in_waiting
                data = self.port.read(n if n else 1)
            except serial.SerialException as exc:
                raise EOFError(str(exc)) from exc
            if data:
                return data
            if time.monotonic() >= deadline:
                return b""

    def close(self) -> None:
        try:
            sock = getattr(self.port, "_socket", None)
            if isinstance(self.port, protocol_socket.Serial) and sock is not None:
                # pyserial's socket:// close() sleeps 0.3 s "for quick reconnects": we never reconnect
                sock.close()
                self.port._socket = None
                self.port.is_open = False
            self.port.close()
        except Exception:  # noqa: BLE001 - closing a dead port must not mask the real error
            pass


class ProcessTransport:
    """A child process's stdin/stdout (the `host` board's firmware)."""

    def __init__(self, argv: list[str], env: dict | None = None) -> None:
        self.proc = subprocess.Popen(dying_with_parent(argv), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE, env=env, bufsize=0)

    def write(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(data)
            self.proc.stdin.flush()
        except BrokenPipeError as exc:
            raise EOFError("the host firmware exited") from exc

    def read(self, timeout: float) -> bytes:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        r, _, _ = select.select([fd], [], [], max(0.0, timeout))
        if not r:
            return b""
        data = os.read(fd, 65536)
        if not data:
            raise EOFError(f"the host firmware closed its output ({self._how_it_ended()})")
        return data

    def _how_it_ended(self) -> str:
        """The process's exit status and the end of its stderr, bounded: what a failure report needs."""
        try:
            code = self.proc.wait(timeout=2)
        except subprocess.TimeoutExpired:
            return "the process is still running"
        how = f"killed by signal {-code}" if code < 0 else f"exit status {code}"
        err = b""
        if self.proc.stderr is not None:
            fd = self.proc.stderr.fileno()
            while len(err) < 65536 and select.select([fd], [], [], 0.5)[0]:
                chunk = os.read(fd, 4096)
                if not chunk:
                    break
                err += chunk
        tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
        return how + (f"; stderr: {' | '.join(tail)}" if tail else "")

    def close(self) -> None:
        for stream in (self.proc.stdin, self.proc.stdout, self.proc.stderr):
            try:
                if stream:
                    stream.close()
            except OSError:
                pass
        try:
            self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=5)

