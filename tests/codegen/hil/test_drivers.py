"""The driver registry: which driver a board and a request get (by board data and request, never by
board name), and what each driver needs."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil.drivers import DRIVERS, QemuDriver, RunRequest, select_driver
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
    for d in DRIVERS:
        assert all(callable(getattr(d, m, None)) for m in ("applies", "flash", "start", "stop", "session"))


def test_attach_needs_a_port():
    with pytest.raises(McuforgeError, match="needs port="):
        with Strategy(load_board("mps2-an386"), Path("unused.elf"), RunRequest(target="attach")) as s:
            s.transition(State.RUNNING)


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
