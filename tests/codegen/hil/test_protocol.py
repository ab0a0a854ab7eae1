"""Frames: encoding, decoding, checksums, and the typed records."""

from __future__ import annotations

import struct

import pytest

from codegen.hil.protocol import DeviceInfo, Fault, FrameError, crc16, decode, encode, parse_kv


def test_crc16_ccitt_false_check_value():
    assert crc16(b"123456789") == 0x29B1


def test_roundtrip():
    line = encode("load 0 16 00ff7f80", seq=0x2A)
    assert line.startswith(b">0012" + b"2a") and line.endswith(b"\n")
    f = decode(line[:-1])
    assert f.direction == ">" and f.seq == 0x2A and f.body == "load 0 16 00ff7f80"


@pytest.mark.parametrize("mutate", [
    lambda b: b[:10] + bytes([b[10] ^ 1]) + b[11:],  # flipped bit in the body
    lambda b: b[:-2] + b"00",                        # wrong checksum
    lambda b: b[:8] + b[9:],                         # a lost byte
    lambda b: b[:9] + b"x" + b[9:],                  # an extra byte
])
def test_corruption_is_detected(mutate):
    line = encode("results 0 0 10", seq=3)[:-1]
    with pytest.raises(FrameError):
        decode(mutate(line))


def test_text_lines_are_not_frames():
    assert decode(b"mcuforge 0.1.0: stm32l475 ready") is None
    assert decode(b"") is None


def test_body_cannot_carry_the_delimiter():
    with pytest.raises(ValueError):
        encode("echo a*b", 1)


def test_info_and_fault_records():
    scale = struct.unpack("<I", struct.pack("<f", 0.00390625))[0]
    info = DeviceInfo.parse(f"proto=1 fw=0.1.0 board=b model=m sha256=ab arena=640 cpu_hz=80000000 "
                            f"counter=systick counter_hz=80000000 inputs=1 outputs=1 ops=7 macs=100 stack=4096 "
                            f"in0=9:1x8x8x1:64:{scale:08x}:-128 out0=9:1x10:10:{scale:08x}:-128")
    assert info.inputs[0].shape == (1, 8, 8, 1) and info.inputs[0].dtype == "int8"
    assert info.outputs[0].scale == 0.00390625 and info.outputs[0].zero_point == -128
    f = Fault.parse("fault kind=hardfault pc=08000abc lr=fffffff9 cfsr=00000400")
    assert f.kind == "hardfault" and f.registers["pc"] == 0x08000ABC
    assert "pc=0x08000abc" in f.describe()
    assert parse_kv("ok n=3 c=1,2,3")["c"] == "1,2,3"


def test_host_firmware_and_docs_agree_on_the_version():
    import re

    from codegen.hil.protocol import PROTO_VERSION
    from codegen.resources import FIRMWARE_DIR
    from support.paths import ROOT
    header = (FIRMWARE_DIR / "include" / "mcuforge" / "protocol.h").read_text()
    assert re.search(r"#define MF_PROTO_VERSION (\d+)", header).group(1) == str(PROTO_VERSION)
    assert f"(version {PROTO_VERSION})" in (ROOT / "docs" / "PROTOCOL.md").read_text().splitlines()[0]


def test_another_protocol_version_is_refused_before_anything_else():
    from codegen.hil.protocol import ProtocolVersionError
    with pytest.raises(ProtocolVersionError, match="speaks protocol version 2; this mcuforge speaks version 1") as e:
        DeviceInfo.parse("proto=2 fw=9.9 board=stm32l475 layout=new")  # not even the fields of version 1
    assert "board=stm32l475 fw=9.9" in e.value.message and "reflash" in e.value.hint
    with pytest.raises(ProtocolVersionError, match="speaks no protocol version"):
        DeviceInfo.parse("fw=0.0 board=x")
