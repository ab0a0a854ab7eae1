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


class Transport(Protocol):
    def write(self, data: bytes) -> None: ...

    def read(self, timeout: float) -> bytes:
        """Whatever bytes arrive within `timeout` seconds (b'' if none); raises EOFError when closed."""
        ...

    def close(self) -> None: ...


class SerialTransport:
    """pyserial's URL handlers: a device path, socket://, rfc2217://, loop://."""

    def __init__(self, url: str, baudrate: int = 115200, open_timeout: float = 10.0) -> None:
        deadline = time.monotonic() + open_timeout
        last: Exception | None = None
        while True:
            try:
                self.port = serial.serial_for_url(url, baudrate=baudrate, timeout=0.05, write_timeout=10)
                break
            except (serial.SerialException, OSError) as exc:  # QEMU may not listen yet
                last = exc
                if time.monotonic() > deadline:
                    raise ConnectionError(f"cannot open {url}: {last}") from exc
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
            self.port.close()
        except Exception:  # noqa: BLE001 - closing a dead port must not mask the real error
            pass


class ProcessTransport:
    """A child process's stdin/stdout (the `host` board's firmware)."""

    def __init__(self, argv: list[str], env: dict | None = None) -> None:
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     env=env, bufsize=0)

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
            raise EOFError("the host firmware closed its output")
        return data

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


class KickedSerialTransport(SerialTransport):
    """A QEMU console whose UART model never asks for more input after the guest reads a byte
    (QEMU 10's stm32l4x5 USART lacks qemu_chr_fe_accept_input), so each received byte waits for
    QEMU's main loop to wake for another reason. While reading, this transport writes a byte to a
    second, otherwise unused QEMU serial port (`[emulator] kick_serial` in the board file): every
    such byte wakes the main loop, which then delivers the next console byte. The kicked UART is
    never enabled by the firmware, so QEMU drops those bytes."""

    POLL_S = 0.0003

    def __init__(self, url: str, kick_host: str, kick_port: int, open_timeout: float = 10.0) -> None:
        super().__init__(url, open_timeout=open_timeout)
        import socket
        deadline = time.monotonic() + open_timeout
        while True:
            try:
                self.kick = socket.create_connection((kick_host, kick_port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise ConnectionError(f"cannot open the kick port {kick_host}:{kick_port}") from None
                time.sleep(0.05)
        self.kick.setblocking(False)
        self.port.timeout = self.POLL_S

    def _kick(self) -> None:
        try:
            self.kick.send(b"\0")
        except (BlockingIOError, InterruptedError):
            pass
        except OSError:
            pass  # QEMU went away; the console read reports it

    def read(self, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        while True:
            self._kick()
            try:
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
            self.kick.close()
        except OSError:
            pass
        super().close()
