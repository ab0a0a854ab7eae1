"""USB discovery and the wait for a board's port after flashing, with pyserial's list_ports replaced
by a scripted sequence (no physical board here): the port vanishes and comes back under another path."""

from __future__ import annotations

import pytest
from serial.tools import list_ports
from serial.tools.list_ports_common import ListPortInfo

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil import usb

SERIAL = "0669FF545071494867173122"


def _port(device: str, serial: str = SERIAL, vid: int = 0x0483, pid: int = 0x374B) -> ListPortInfo:
    p = ListPortInfo(device, skip_link_detection=True)
    p.vid, p.pid, p.serial_number = vid, pid, serial
    return p


class Sequence:
    """list_ports.comports() answering from a script: one answer per call, the last one repeated."""

    def __init__(self, answers: list[list[ListPortInfo]]) -> None:
        self.answers, self.calls = answers, 0

    def __call__(self, *args, **kwargs) -> list[ListPortInfo]:
        answer = self.answers[min(self.calls, len(self.answers) - 1)]
        self.calls += 1
        return list(answer)


@pytest.fixture
def fast(monkeypatch):
    monkeypatch.setattr(usb, "POLL_SECONDS", 0.01)


def test_the_port_vanishes_and_returns_under_another_path(monkeypatch, fast):
    other_board = _port("/dev/ttyACM5", serial="SOMEONE-ELSE")
    seq = Sequence([[_port("/dev/ttyACM0"), other_board],      # still listed right after flashing
                    [other_board], [other_board], [other_board],  # re-enumerating: gone
                    [_port("/dev/ttyACM1"), other_board]])      # back, under a new path
    monkeypatch.setattr(list_ports, "comports", seq)
    board = load_board("stm32l475")
    assert usb.wait_for_port(board, SERIAL, timeout=30, settle=0.05) == "/dev/ttyACM1"
    assert seq.calls > 5  # it waited through the gap instead of taking the stale path


def test_a_board_that_does_not_come_back_fails_with_that_reason(monkeypatch, fast):
    monkeypatch.setattr(list_ports, "comports", Sequence([[_port("/dev/ttyACM0")], []]))
    with pytest.raises(McuforgeError) as exc:
        usb.wait_for_port(load_board("stm32l475"), SERIAL, timeout=0.5, settle=0.05)
    msg = str(exc.value)
    assert "did not come back within 0.5 s after flashing" in msg and SERIAL in msg
    assert "/dev/ttyACM0 -> gone" in msg and "0483:374b" in msg and "replug" in msg


def test_found_by_serial_number_not_by_vid_pid_alone(monkeypatch):
    monkeypatch.setattr(list_ports, "comports", Sequence([[_port("/dev/ttyACM0", serial="A"),
                                                           _port("/dev/ttyACM1", serial=SERIAL),
                                                           _port("/dev/ttyUSB0", serial=SERIAL, vid=0x1234)]]))
    board = load_board("stm32l475")
    assert usb.find_port(board, SERIAL) == "/dev/ttyACM1"
    assert usb.detect_ports(board) == ["/dev/ttyACM0", "/dev/ttyACM1"]


def test_the_device_driver_waits_for_the_port_after_flashing(monkeypatch, fast, tmp_path):
    """target=device with the board's usb_serial (hardware map): flash, then the port found again."""
    from codegen.hil.drivers import serial_flash
    from codegen.hil.records import RunRequest
    monkeypatch.setattr(serial_flash, "REENUMERATE_SECONDS", 30)
    monkeypatch.setattr(usb, "SETTLE_SECONDS", 0.05)
    seq = Sequence([[_port("/dev/ttyACM0")], [], [], [_port("/dev/ttyACM3")]])
    monkeypatch.setattr(list_ports, "comports", seq)
    flashed = []
    driver = serial_flash.SerialFlashDriver(flasher=lambda b, fw, r: flashed.append(fw) or "flashed with stlink")
    board = load_board("stm32l475")
    request = RunRequest(target="device", usb_serial=SERIAL)
    done = driver.flash(board, tmp_path / "firmware.elf", request)
    assert done == "flashed with stlink; its port came back at /dev/ttyACM3" and flashed
    assert driver.port(board, request) == "/dev/ttyACM3"
