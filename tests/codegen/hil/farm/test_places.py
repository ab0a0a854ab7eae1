"""A place as a run sees it: its board (labgrid tag or the hardware map's `place` key), its console's
URL, who holds it and since when; and the request a run makes of the options and the hardware map."""

from __future__ import annotations

import pytest

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil.farm.places import Lock, NetworkSerial, PlaceInfo, check_board, require_serial, serial_of
from codegen.options import TargetKind, TargetOptions
from codegen.run import request_for

L475 = PlaceInfo(name="lab-1", tags=(("board", "stm32l475"),), serial=NetworkSerial("pi", 4000, 115200))


def test_the_board_tag_or_the_hardware_map_says_which_board_a_place_holds():
    check_board(L475, "stm32l475")
    with pytest.raises(McuforgeError, match="holds a stm32l475 .its labgrid tag board=stm32l475., not a mps2-an386"):
        check_board(L475, "mps2-an386")
    bare = PlaceInfo(name="lab-2", tags=(("rack", "3"),))
    with pytest.raises(McuforgeError) as e:
        check_board(bare, "stm32l475")
    assert "its tags: rack=3" in e.value.message and "set-tags board=stm32l475" in e.value.hint
    check_board(bare, "stm32l475", hwmap_board="stm32l475")
    with pytest.raises(McuforgeError, match="the hardware map"):
        check_board(bare, "stm32l475", hwmap_board="nucleo_f746zg")


def test_console_url_and_its_checks():
    assert L475.serial.url() == "rfc2217://pi:4000"
    assert L475.serial.url(ign_set_control=True) == "rfc2217://pi:4000?ign_set_control"
    assert NetworkSerial("pi", 4001, 9600, "raw").url() == "socket://pi:4001"
    assert serial_of({"host": "pi", "port": 4000, "speed": 115200, "protocol": "rfc2217"}, "r") == L475.serial
    with pytest.raises(McuforgeError, match="neither rfc2217 nor raw"):
        serial_of({"port": 1, "protocol": "telnet"}, "r")
    with pytest.raises(McuforgeError, match="no valid `port`"):
        serial_of({"host": "pi"}, "resource exp/g/NetworkSerialPort/x")
    with pytest.raises(McuforgeError, match="has no serial port"):
        require_serial(PlaceInfo(name="lab-3"))


def test_who_holds_it_and_since_when():
    lock = Lock(holder="ci-runner/alice", since=1_796_300_000.0)
    assert lock.user == "alice"
    assert lock.describe(now=1_796_300_000.0 + 300) == "ci-runner/alice since 2026-12-03 12:13:20 UTC (5 min ago)"


def test_the_request_takes_the_place_from_the_option_or_the_hardware_map(tmp_path):
    hw = tmp_path / "map.toml"
    hw.write_text('[[target]]\nboard = "stm32l475"\nplace = "lab-1"\nusb_serial = "066A"\nport = "/dev/ttyACM0"\n')
    board = load_board("stm32l475")
    req = request_for(TargetOptions(target=TargetKind.LABGRID, hwmap=hw), board)
    assert req.place == "lab-1" and req.place_board == "stm32l475" and req.port is None
    req = request_for(TargetOptions(place="lab-9", hwmap=hw, coordinator="c:1"), board)
    assert req.target is TargetKind.LABGRID and req.place == "lab-9" and req.place_board is None
    assert req.coordinator == "c:1"
    dev = request_for(TargetOptions(target=TargetKind.DEVICE, hwmap=hw), board)
    assert dev.usb_serial == "066A" and dev.port == "/dev/ttyACM0"  # found by serial number, the path a fallback
    assert request_for(TargetOptions(target=TargetKind.DEVICE, port="/dev/ttyUSB3", hwmap=hw), board).usb_serial is None
