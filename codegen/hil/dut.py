"""The device under test: requests and replies of the device protocol over any transport.

``Device`` offers the raw layer (``write``, ``expect`` with a timeout) and typed requests
(``info``, ``load``, ``infer``, ``results``, ``profile``, ...). Corrupted replies are retried;
a ``fault`` event raises :class:`DeviceFault`; every wait has a deadline.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Callable

from codegen.errors import McuforgeError
from codegen.hil.protocol import (CHUNK, ERROR_NAMES, DeviceInfo, Fault, Frame, FrameError, decode, encode,
                                  parse_kv)
from codegen.hil.transport import Transport


class DeviceError(McuforgeError):
    """The device answered `err <code>`."""

    def __init__(self, code: int, message: str, request: str) -> None:
        name = ERROR_NAMES.get(code, "unknown error")
        super().__init__(f"device refused {request.split(' ')[0]!r}: error {code} ({name}: {message})",
                         hint="check the request against docs/PROTOCOL.md")
        self.code = code


class DeviceTimeout(McuforgeError):
    """No (complete) reply before the deadline: a hung target, a wrong port or baud rate."""


class DeviceGone(McuforgeError):
    """The connection closed under us (QEMU or the host firmware exited, the port went away)."""


class DeviceFault(McuforgeError):
    def __init__(self, fault: Fault) -> None:
        super().__init__(f"the device faulted: {fault.describe()}",
                         hint="look up pc in the firmware's map file (or `arm-none-eabi-addr2line -e firmware.elf PC`)")
        self.fault = fault


class LinkError(McuforgeError):
    """Garbage on the line persisted through every retry."""


@dataclass(frozen=True)
class Exchange:
    """One request and its outcome, with host wall-clock times (``time.time()``, seconds): lets a
    GPIO trace or logic capture be matched to the request that caused each pulse."""

    request: str  # the command word ("infer")
    body: str
    sent: float
    done: float
    outcome: str  # "ok", "err <code>", "timeout", "fault", "link", "gone"


@dataclass
class LinkStats:
    frames_sent: int = 0
    frames_received: int = 0
    bad_frames: int = 0
    retries: int = 0
    text_lines: list[str] = field(default_factory=list)


class Device:
    def __init__(self, transport: Transport, timeout: float = 10.0, retries: int = 3,
                 on_line: Callable[[str], None] | None = None, record: bool = False) -> None:
        self.t = transport
        self.timeout = timeout
        self.retries = retries
        self.on_line = on_line
        self.stats = LinkStats()
        self._buf = b""
        self._seq = 0
        self.booted: Frame | None = None
        self.fault: Fault | None = None  # set when the device reported a fault
        # every request with its wall-clock times, when asked for (GPIO trace / capture matching)
        self.exchanges: list[Exchange] | None = [] if record else None
        self.exited = False  # `exit` was sent: the target is gone or parked

    # --- raw layer ------------------------------------------------------------------------------
    def write(self, data: bytes) -> None:
        self.t.write(data)

    def _line(self, deadline: float) -> bytes:
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise DeviceTimeout("no complete line from the device before the deadline",
                                    hint="is the firmware running and the port/baud right?")
            try:
                self._buf += self.t.read(min(left, 0.25))
            except EOFError as exc:
                raise DeviceGone(f"the connection to the device closed: {exc}",
                                 hint="the target exited or crashed; its log (QEMU stderr, host stderr) says why") from exc
        line, self._buf = self._buf.split(b"\n", 1)
        return line

    def expect(self, pattern: str, timeout: float) -> re.Match:
        """Read lines until one matches `pattern` (a regex); raise DeviceTimeout otherwise."""
        rx = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            line = self._line(deadline).decode("ascii", "replace").rstrip("\r")
            self._note_text(line)
            m = rx.search(line)
            if m:
                return m

    def _note_text(self, line: str) -> None:
        self.stats.text_lines.append(line)
        if self.on_line:
            self.on_line(line)

    def _next_frame(self, deadline: float, events: bool = False) -> Frame:
        """The next reply frame (`events`: or boot event); fault events raise DeviceFault."""
        while True:
            line = self._line(deadline)
            try:
                frame = decode(line)
            except FrameError:
                self.stats.bad_frames += 1
                raise
            if frame is None:
                self._note_text(line.decode("ascii", "replace").rstrip("\r"))
                continue
            self.stats.frames_received += 1
            if frame.direction == "!":
                if frame.body.startswith("fault"):
                    self.fault = Fault.parse(frame.body)
                    raise DeviceFault(self.fault)
                if frame.body.startswith("boot"):
                    self.booted = frame
                    if events:
                        return frame
                continue
            return frame

    def wait_boot(self, timeout: float) -> Frame | None:
        """Wait for the boot event; if none comes (a board that booted before we opened the port),
        make sure the device answers ping."""
        deadline = time.monotonic() + timeout
        while self.booted is None and time.monotonic() < deadline:
            try:
                self._next_frame(min(deadline, time.monotonic() + 0.5), events=True)
            except DeviceTimeout:
                break
            except FrameError:
                continue
        if self.booted is None:
            self.request("ping", timeout=max(1.0, deadline - time.monotonic()))
        return self.booted

    # --- request/reply --------------------------------------------------------------------------
    def request(self, body: str, timeout: float | None = None) -> str:
        """Send one request; return the reply payload after 'ok'.

        Raises DeviceError (``err`` reply), DeviceFault (a ``fault`` event came instead), DeviceTimeout
        (no reply within `timeout` seconds), LinkError (corrupted through every retry), DeviceGone."""
        timeout = self.timeout if timeout is None else timeout
        sent = time.time()
        outcome = "error"
        try:
            reply = self._request(body, timeout)
            outcome = "ok"
            return reply
        except DeviceError as exc:
            outcome = f"err {exc.code}"
            raise
        except DeviceTimeout as exc:
            outcome = "timeout"
            raise DeviceTimeout(f"no reply to {body.split(' ')[0]!r} within {timeout:g} s ({exc.message})",
                                hint="the target hangs, or the port/baud rate is wrong") from None
        except DeviceFault:
            outcome = "fault"
            raise
        except LinkError:
            outcome = "link"
            raise
        except DeviceGone:
            outcome = "gone"
            raise
        finally:
            if self.exchanges is not None:
                self.exchanges.append(Exchange(request=body.split(" ")[0], body=body[:80], sent=sent,
                                               done=time.time(), outcome=outcome))

    def _request(self, body: str, timeout: float) -> str:
        last = "no reply"
        for attempt in range(self.retries + 1):
            self._seq = (self._seq + 1) & 0xFF
            if self._seq == 0xFF:
                self._seq = 0
            seq = self._seq
            self.t.write(encode(body, seq))
            self.stats.frames_sent += 1
            if attempt:
                self.stats.retries += 1
            deadline = time.monotonic() + timeout
            try:
                while True:
                    frame = self._next_frame(deadline)
                    if frame.seq == seq or frame.seq == 0xFF:
                        break
            except FrameError as exc:
                last = str(exc)
                self._drain()
                continue
            words = frame.body.split(" ", 2)
            if words[0] == "ok":
                return frame.body[3:] if len(frame.body) > 2 else ""
            if words[0] == "err" and len(words) >= 2:
                code = int(words[1])
                if code == 1:  # the device saw a corrupted request: send it again
                    last = "device reported a bad frame"
                    continue
                raise DeviceError(code, words[2] if len(words) > 2 else "", body)
            last = f"unexpected reply {frame.body[:40]!r}"
        raise LinkError(f"request {body.split(' ')[0]!r} failed after {self.retries + 1} attempts: {last}",
                        hint="noise on the serial line: check the cable, ground and baud rate")

    def _drain(self) -> None:
        self._buf = b""
        try:
            self.t.read(0.05)
        except EOFError:
            pass

    # --- typed requests -------------------------------------------------------------------------
    def ping(self) -> None:
        self.request("ping")

    def info(self) -> DeviceInfo:
        return DeviceInfo.parse(self.request("info"))

    def load(self, index: int, data: bytes) -> None:
        for off in range(0, max(len(data), 1), CHUNK):
            chunk = data[off:off + CHUNK]
            got = int(self.request(f"load {index} {off} {chunk.hex()}").strip())
            if got != off + len(chunk):
                raise LinkError(f"device holds {got} bytes of input {index}, expected {off + len(chunk)}",
                                hint="retry; if it persists the firmware and host disagree on the input size")

    def infer(self, n: int, warmup: bool = True, timeout: float | None = None) -> list[int]:
        counts: list[int] = []
        first = True
        while len(counts) < n:
            k = min(64, n - len(counts))
            kv = parse_kv(self.request(f"infer {k} {1 if (warmup and first) else 0}", timeout=timeout))
            counts += [int(c) for c in kv["c"].split(",")]
            first = False
        return counts

    def results(self, index: int, nbytes: int) -> bytes:
        out = b""
        for off in range(0, nbytes, CHUNK):
            n = min(CHUNK, nbytes - off)
            out += bytes.fromhex(self.request(f"results {index} {off} {n}").strip())
        return out

    def profile(self, timeout: float | None = None) -> list[int]:
        counts: list[int] = []
        total = None
        while total is None or len(counts) < total:
            kv = parse_kv(self.request(f"profile {len(counts)}", timeout=timeout))
            total = int(kv["n"])
            got = [int(c) for c in kv["c"].split(",")] if kv.get("c") else []
            if not got and len(counts) < total:
                raise LinkError("profile returned no counts", hint="firmware bug")
            counts += got
        return counts

    def reset(self) -> None:
        self.request("reset")

    def stack(self) -> tuple[int, int]:
        kv = parse_kv(self.request("stack"))
        return int(kv["used"]), int(kv["size"])

    def echo(self, text: str) -> str:
        return self.request(f"echo {text}")

    def selftest(self, what: str, timeout: float | None = None) -> None:
        """A deliberate failure (docs/PROTOCOL.md): `hardfault` raises DeviceFault, `hang` DeviceTimeout."""
        self.request(f"selftest {what}", timeout=timeout)

    def exit(self, code: int = 0, semihost: bool = False, timeout: float = 5.0) -> None:
        self.exited = True
        try:
            self.request(f"exit {code} {1 if semihost else 0}", timeout=timeout)
        except (EOFError, DeviceTimeout, LinkError, DeviceGone):
            pass  # the reply may be cut off by the exit itself
