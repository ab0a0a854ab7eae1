"""Transports: pyserial's loop:// and socket:// URL handlers, and a process's stdio, all bounded."""

from __future__ import annotations

import socket
import threading
import time

import pytest

from codegen.hil.protocol import decode, encode
from codegen.hil.transport import ProcessTransport, SerialTransport


def test_loop_url_carries_frames():
    t = SerialTransport("loop://")
    try:
        t.write(encode("ping", 7))
        data = b""
        deadline = time.monotonic() + 2
        while b"\n" not in data and time.monotonic() < deadline:
            data += t.read(0.2)
        assert decode(data.split(b"\n")[0]).body == "ping"
        assert t.read(0.1) == b""  # nothing more: returns empty within the timeout
    finally:
        t.close()


def test_socket_url_reads_and_detects_eof():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(1)
    port = srv.getsockname()[1]

    def serve():
        c, _ = srv.accept()
        c.sendall(b"hello\n")
        time.sleep(0.2)
        c.close()

    th = threading.Thread(target=serve, daemon=True)
    th.start()
    t = SerialTransport(f"socket://127.0.0.1:{port}")
    got = b""
    deadline = time.monotonic() + 60  # bounded; EOF comes after 0.2 s unless the machine is loaded
    with pytest.raises(EOFError):
        while time.monotonic() < deadline:
            got += t.read(0.2)
    assert got == b"hello\n"
    t.close()
    srv.close()


def test_open_failure_is_bounded():
    t0 = time.monotonic()
    with pytest.raises(ConnectionError):
        SerialTransport("socket://127.0.0.1:1", open_timeout=0.5)
    assert time.monotonic() - t0 < 30  # 0.5 s asked: bounded, with room for a loaded machine


def test_process_transport_eof():
    t = ProcessTransport(["sh", "-c", "printf 'abc'"])
    got = b""
    with pytest.raises(EOFError):
        for _ in range(50):
            got += t.read(0.2)
    assert got == b"abc"
    t.close()


def test_real_port_path_through_a_pty():
    """A device path (pyserial's POSIX backend, as for /dev/ttyACM0), on a pseudo-terminal pair."""
    import os
    import tty
    master, slave = os.openpty()
    tty.setraw(master)
    t = SerialTransport(os.ttyname(slave), baudrate=115200)
    try:
        t.write(encode("ping", 3))
        got = b""
        deadline = time.monotonic() + 2
        while not got.endswith(b"\n") and time.monotonic() < deadline:
            got += os.read(master, 100)
        assert decode(got.rstrip(b"\n")).body == "ping"
        os.write(master, b"<000003ok*1234\n")
        data = b""
        while b"\n" not in data and time.monotonic() < deadline:
            data += t.read(0.2)
        assert data == b"<000003ok*1234\n"
        assert t.read(0.1) == b""
    finally:
        t.close()
        os.close(master)
        os.close(slave)


def test_a_process_that_ends_says_how():
    """The host board's firmware closing its output: the error names the exit status and its stderr."""
    t = ProcessTransport(["sh", "-c", "echo 'out of cheese' >&2; exit 3"])
    with pytest.raises(EOFError, match=r"exit status 3; stderr: out of cheese"):
        for _ in range(400):  # bounded: the process ends at once
            t.read(0.25)
    t.close()
