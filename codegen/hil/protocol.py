"""Host side of the device protocol (docs/PROTOCOL.md): frames, replies, typed records.

``PROTO_VERSION`` is the version this host speaks (firmware/include/mcuforge/protocol.h has the
firmware's, MF_PROTO_VERSION); :meth:`DeviceInfo.parse` refuses a firmware that speaks another one,
before reading anything else of its reply."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass

from codegen.errors import McuforgeError

PROTO_VERSION = 1
MAX_BODY = 2048
CHUNK = 256

# the `err <code>` replies (docs/PROTOCOL.md), named in DeviceError messages
ERROR_NAMES = {1: "bad frame", 2: "unknown command", 3: "bad argument", 4: "out of range", 5: "model failed"}

_FRAME = re.compile(rb"([<>!])([0-9a-f]{4})([0-9a-f]{2})(.*)\*([0-9a-f]{4})\Z", re.S)


def crc16(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE."""
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def encode(body: str, seq: int, direction: str = ">") -> bytes:
    raw = body.encode("ascii")
    if len(raw) > MAX_BODY or b"*" in raw or b"\n" in raw:
        raise ValueError(f"body cannot be framed: {body[:40]!r}")
    head = f"{direction}{len(raw):04x}{seq & 0xFF:02x}".encode() + raw
    return head + f"*{crc16(head):04x}\n".encode()


@dataclass(frozen=True)
class Frame:
    direction: str  # '<' reply, '!' event, '>' request
    seq: int
    body: str


class FrameError(Exception):
    """A line that looks like a frame but fails its length or checksum."""


def decode(line: bytes) -> Frame | None:
    """A frame from one line (without newline); None if the line is not a frame at all."""
    line = line.rstrip(b"\r")
    if not line or line[:1] not in (b"<", b">", b"!"):
        return None
    m = _FRAME.match(line)
    if not m:
        raise FrameError(f"malformed frame {line[:60]!r}")
    d, ln, seq, body, crc = m.groups()
    if int(ln, 16) != len(body):
        raise FrameError(f"length {int(ln, 16)} but {len(body)} body bytes")
    if crc16(line[:-5]) != int(crc, 16):
        raise FrameError("checksum mismatch")
    try:
        text = body.decode("ascii")
    except UnicodeDecodeError as exc:
        raise FrameError("non-ASCII body") from exc
    return Frame(direction=d.decode(), seq=int(seq, 16), body=text)


def parse_kv(text: str) -> dict[str, str]:
    out = {}
    for tok in text.split():
        if "=" in tok:
            k, v = tok.split("=", 1)
            out[k] = v
    return out


TYPE_NAMES = {0: "float32", 2: "int32", 3: "uint8", 4: "int64", 6: "bool", 7: "int16", 9: "int8", 15: "uint32"}


@dataclass(frozen=True)
class TensorInfo:
    dtype: str
    shape: tuple[int, ...]
    nbytes: int
    scale: float
    zero_point: int

    @staticmethod
    def parse(v: str) -> "TensorInfo":
        t, dims, nbytes, scale_bits, zp = v.split(":")
        scale = struct.unpack("<f", struct.pack("<I", int(scale_bits, 16)))[0]
        shape = tuple(int(d) for d in dims.split("x")) if dims else ()
        return TensorInfo(TYPE_NAMES.get(int(t), f"type{t}"), shape, int(nbytes), scale, int(zp))


class ProtocolVersionError(McuforgeError):
    """The firmware speaks another version of the device protocol than this mcuforge."""


def check_version(kv: dict[str, str]) -> None:
    """Refuse an `info` reply (or boot event) of another protocol version, naming both versions."""
    who = " ".join(f"{k}={kv[k]}" for k in ("board", "fw") if k in kv)
    got = kv.get("proto")
    if got == str(PROTO_VERSION):
        return
    what = "no protocol version" if got is None else f"protocol version {got}"
    raise ProtocolVersionError(
        f"the firmware on the target ({who or 'unknown'}) speaks {what}; this mcuforge speaks version "
        f"{PROTO_VERSION}", hint="rebuild the firmware with this mcuforge and reflash it (`scons board=... run`; "
                                 "a real board: flash=1, or `pio run -t upload` in its build directory)")


@dataclass(frozen=True)
class DeviceInfo:
    proto: int
    firmware: str
    board: str
    model: str
    sha256: str
    arena: int
    cpu_hz: int
    counter: str
    counter_hz: int
    ops: int
    macs: int
    stack: int
    inputs: tuple[TensorInfo, ...]
    outputs: tuple[TensorInfo, ...]

    @staticmethod
    def parse(payload: str) -> "DeviceInfo":
        kv = parse_kv(payload)
        check_version(kv)
        n_in, n_out = int(kv["inputs"]), int(kv["outputs"])
        return DeviceInfo(
            proto=int(kv["proto"]), firmware=kv["fw"], board=kv["board"], model=kv["model"], sha256=kv["sha256"],
            arena=int(kv["arena"]), cpu_hz=int(kv["cpu_hz"]), counter=kv["counter"],
            counter_hz=int(kv["counter_hz"]), ops=int(kv["ops"]), macs=int(kv["macs"]),
            stack=int(kv.get("stack", 0)),
            inputs=tuple(TensorInfo.parse(kv[f"in{i}"]) for i in range(n_in)),
            outputs=tuple(TensorInfo.parse(kv[f"out{i}"]) for i in range(n_out)))


@dataclass(frozen=True)
class Fault:
    """A fault the device reported (a `fault` event)."""

    kind: str
    registers: dict

    @staticmethod
    def parse(body: str) -> "Fault":
        kv = parse_kv(body)
        kind = kv.pop("kind", "fault")
        return Fault(kind=kind, registers={k: int(v, 16) for k, v in kv.items()})

    def describe(self) -> str:
        regs = " ".join(f"{k}=0x{v:08x}" for k, v in self.registers.items())
        return f"{self.kind}: {regs}"
