"""The driver registry: which driver a board and a request get (by board data and request, never by
board name), and what each driver needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil.drivers.qemu import QemuDriver
from codegen.hil.records import RunRequest
from codegen.hil.registry import drivers, select_driver
from codegen.hil.strategy import State, Strategy


@pytest.mark.parametrize("board,request_,driver", [
    ("host", RunRequest(), "host"),
    ("mps2-an386", RunRequest(), "qemu"),
    ("mps2-an386", RunRequest(target="emulator"), "qemu"),
    ("stm32l475", RunRequest(target="emulator"), "qemu"),
    ("stm32l475", RunRequest(port="/dev/ttyACM7"), "device"),          # a real board on a given port
    ("stm32l475", RunRequest(target="device", flash=False), "device"),
    ("mps2-an386", RunRequest(target="attach", port="rfc2217://lab:4000"), "attach"),
    ("nucleo_l4r5zi", RunRequest(port="rfc2217://lab:4001"), "device"),
])
def test_registry_picks_by_board_data_and_request(board, request_, driver):
    assert select_driver(load_board(board), request_).name == driver


def test_no_driver_names_the_ways_that_exist():
    with pytest.raises(McuforgeError, match="no way to run board nucleo_l4r5zi") as e:
        select_driver(load_board("nucleo_l4r5zi"), RunRequest(target="emulator"))
    assert "real board" in e.value.hint


def test_every_driver_has_the_strategy_steps():
    """The strategy (codegen.hil.strategy.running) drives every registered driver through these; the
    drivers themselves never import the strategy (test_imports.py checks the import graph)."""
    for d in drivers():
        assert all(callable(getattr(d, m, None)) for m in ("applies", "flash", "start", "stop"))


def test_drivers_are_asked_in_priority_order():
    assert [d.name for d in drivers()] == ["host", "linux", "device", "labgrid", "attach", "qemu-user", "qemu"]


def test_attach_needs_a_port():
    with pytest.raises(McuforgeError, match="needs port="):
        with Strategy(load_board("mps2-an386"), Path("unused.elf"), RunRequest(target="attach")) as s:
            s.transition(State.RUNNING)


def test_qemu_command_attaches_the_cycle_plugin(tmp_path):
    from codegen.cycles.plugin import Probe
    probe = Probe(tmp_path / "lib.so", tmp_path / "w", tmp_path / "r", 0x8000124, ())
    cmd = QemuDriver().command(load_board("stm32l475"), Path("fw.elf"), 5555, RunRequest(cycles=probe))
    assert cmd[cmd.index("-plugin") + 1] == f"{tmp_path / 'lib.so'},out={tmp_path / 'w'},mark=0x8000124,ranges={tmp_path / 'r'}"
    assert "-plugin" not in QemuDriver().command(load_board("stm32l475"), Path("fw.elf"), 5555, RunRequest())


def test_qemu_command_traces_the_timing_pin_of_the_board(tmp_path):
    log = tmp_path / "gpio.log"
    q = QemuDriver()
    for board, event in (("mps2-an386", "mps2_fpgaio_write"), ("stm32l475", "stm32l4x5_gpio_update_idr")):
        cmd = q.command(load_board(board), Path("fw.elf"), 5555, RunRequest(gpio_trace=log))
        assert cmd[cmd.index("-trace") + 1] == event
        assert cmd[cmd.index("-D") + 1] == str(log) and "timestamp=on" in cmd
        assert "tcp:127.0.0.1:5555,server=on,wait=on,nodelay=on" in cmd


def test_qemu_without_a_trace_format_says_so(tmp_path):
    with pytest.raises(McuforgeError, match="no trace event for the timing pin of netduinoplus2"):
        QemuDriver().command(load_board("netduinoplus2"), Path("fw.elf"), 1, RunRequest(gpio_trace=tmp_path / "x"))


def test_missing_firmware_fails_before_qemu_starts(tmp_path):
    with pytest.raises(McuforgeError, match="no firmware at"):
        with Strategy(load_board("mps2-an386"), tmp_path / "none.elf") as s:
            s.transition(State.RUNNING)
    assert s.session is None


def _usb_port(device: str, vid: int, pid: int):
    """What pyserial's list_ports reports for a USB serial adapter (no physical board here)."""
    from serial.tools.list_ports_common import ListPortInfo
    info = ListPortInfo(device, skip_link_detection=True)
    info.vid, info.pid = vid, pid
    return info


@pytest.fixture
def attached(monkeypatch):
    """Replace the machine's USB serial ports with the given ones."""
    from serial.tools import list_ports

    def plug(*ports):
        monkeypatch.setattr(list_ports, "comports", lambda *a, **k: list(ports))
    return plug


def test_a_connected_board_is_found_by_its_usb_ids(attached):
    from codegen.hil.drivers.serial_flash import SerialFlashDriver
    from codegen.hil.usb import detect_ports
    board = load_board("stm32l475")
    st_link = next((u.vid, u.pid) for u in board.upload.usb)
    attached(_usb_port("/dev/ttyUSB0", 0x1a86, 0x7523), _usb_port("/dev/ttyACM3", *st_link))
    assert detect_ports(board) == ["/dev/ttyACM3"]
    assert select_driver(board, RunRequest()).name == "device"  # a board at the desk wins over QEMU
    assert SerialFlashDriver().port(board, RunRequest()) == "/dev/ttyACM3"
    assert SerialFlashDriver().port(board, RunRequest(port="/dev/ttyACM9")) == "/dev/ttyACM9"  # port= wins


def test_without_a_board_the_emulator_runs_and_device_says_what_it_looked_for(attached):
    from codegen.hil.drivers.serial_flash import SerialFlashDriver
    from codegen.hil.usb import detect_ports
    board = load_board("stm32l475")
    attached(_usb_port("/dev/ttyUSB0", 0x1a86, 0x7523))
    assert detect_ports(board) == []
    assert select_driver(board, RunRequest()).name == "qemu"
    with pytest.raises(McuforgeError, match=r"no stm32l475 found on USB \(looked for 0483:374b") as e:
        SerialFlashDriver().port(board, RunRequest(target="device"))
    assert "port=" in e.value.hint
