"""The farm agent's real-board backend (`--backend device`), without a board: the flash tool is a
stand-in on PATH that records its arguments, and pyserial's list_ports is a scripted sequence in which
the board's port vanishes after flashing and comes back under another path. The agent flashes through
the hardware map's probe and points the place's console at the port found again by serial number."""

from __future__ import annotations

import os
import stat

import pytest
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil import usb
from codegen.hil.farm.agent import DeviceBackend
from support.firmware import built
from support.paths import DEFAULT_MODEL

SERIAL = "0669FF545071494867173122"


def _port(device: str) -> ListPortInfo:
    p = ListPortInfo(device, skip_link_detection=True)
    p.vid, p.pid, p.serial_number = 0x0483, 0x374B, SERIAL
    return p


def script(answers: list[list[ListPortInfo]]):
    """list_ports.comports() answering one answer per call, the last one repeated."""
    calls = iter(range(1 << 30))

    def comports(*args, **kwargs) -> list[ListPortInfo]:
        return list(answers[min(next(calls), len(answers) - 1)])
    return comports


@pytest.fixture
def lab(tmp_path, monkeypatch):
    """A hardware map with the board's USB serial number and probe; st-flash replaced by a recorder."""
    hwmap = tmp_path / "lab.toml"
    hwmap.write_text(f'[[target]]\nboard = "stm32l475"\nusb_serial = "{SERIAL}"\nprobe = "PROBE-7"\n')
    bindir = tmp_path / "bin"
    bindir.mkdir()
    fake = bindir / "st-flash"
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {tmp_path / 'st-flash.log'}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    monkeypatch.setattr(usb, "POLL_SECONDS", 0.01)
    monkeypatch.setattr(usb, "SETTLE_SECONDS", 0.05)
    return hwmap


def test_flashes_through_the_probe_and_follows_the_port(tmp_path, monkeypatch, lab):
    monkeypatch.setattr(list_ports, "comports", script([[_port("/dev/ttyACM0")], [], [],  # gone after flashing,
                                                        [_port("/dev/ttyACM3")]]))  # back under another path
    _, fw = built("stm32l475", DEFAULT_MODEL)
    elf = tmp_path / "firmware.elf"
    elf.write_bytes(fw.read_bytes())
    console = tmp_path / "console"
    done = DeviceBackend(load_board("stm32l475"), console, hwmap=lab, wait=30).load(elf)
    assert done == "flashed with stlink; console /dev/ttyACM3"
    assert os.readlink(console) == "/dev/ttyACM3"  # ser2net's link: the new path, not the stale one
    args = (tmp_path / "st-flash.log").read_text().split()
    assert args[:2] == ["--serial", "PROBE-7"] and "write" in args and str(elf.with_suffix(".bin")) in args


def test_a_board_that_does_not_come_back_fails_the_load(tmp_path, monkeypatch, lab):
    monkeypatch.setattr(list_ports, "comports", lambda *a, **k: [])
    _, fw = built("stm32l475", DEFAULT_MODEL)
    elf = tmp_path / "firmware.elf"
    elf.write_bytes(fw.read_bytes())
    with pytest.raises(McuforgeError, match="did not come back within 0.3 s after flashing"):
        DeviceBackend(load_board("stm32l475"), tmp_path / "console", hwmap=lab, wait=0.3).load(elf)


def test_a_board_without_port_or_serial_number_is_refused_at_start(tmp_path):
    hwmap = tmp_path / "lab.toml"
    hwmap.write_text('[[target]]\nboard = "stm32l475"\nprobe = "PROBE-7"\n')
    with pytest.raises(McuforgeError, match="names no port and no usb_serial") as e:
        DeviceBackend(load_board("stm32l475"), tmp_path / "console", hwmap=hwmap)
    assert "usb_serial" in e.value.hint
