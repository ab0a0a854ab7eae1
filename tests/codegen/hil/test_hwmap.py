"""The user's hardware map: ports and logic analyzers per board, outside boards/ (a lab fact)."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.errors import McuforgeError
from codegen.hil.hwmap import ENV_VAR, load_hardware_map, parse_hardware_map
from codegen.hil.sigrok import LogicAnalyzer

MAP = """
[[target]]
board = "stm32l475"
port = "/dev/ttyACM0"
baud = 921600
probe = "0669FF545071"
[target.logic]
driver = "fx2lafw:conn=1.7"
channel = "D3"
samplerate = 8000000
config = ["captureratio=10"]

[[target]]
board = "nucleo_l4r5zi"
port = "rfc2217://lab-pi:4001"

[[target]]
board = "rpi4"
ssh = "pi@rpi4.local"
ssh_port = 2222
ssh_key = "~/.ssh/lab_ed25519"
ssh_dir = "/tmp/mf"
python = "/home/pi/venv/bin/python"
"""


def test_entries_and_analyzer():
    hw = parse_hardware_map(Path("hw.toml"), MAP)
    e = hw.entry("stm32l475")
    assert e.port == "/dev/ttyACM0" and e.baud == 921600 and e.probe == "0669FF545071"
    assert e.logic == LogicAnalyzer(driver="fx2lafw:conn=1.7", channel="D3", samplerate=8_000_000,
                                    config=("captureratio=10",))
    assert hw.entry("nucleo_l4r5zi").logic is None and hw.entry("host") is None
    with pytest.raises(McuforgeError, match="no logic analyzer for board nucleo_l4r5zi"):
        hw.logic_for("nucleo_l4r5zi")


def test_linux_board_entries():
    from codegen.hil.remote import SshTarget
    e = parse_hardware_map(Path("hw.toml"), MAP).entry("rpi4")
    assert e.ssh == SshTarget("pi@rpi4.local", port=2222, key=Path("~/.ssh/lab_ed25519").expanduser(),
                              directory="/tmp/mf")
    assert e.python == "/home/pi/venv/bin/python" and e.port is None


@pytest.mark.parametrize("text,where", [
    ('[[target]]\nport = "/dev/ttyACM0"\n', "target[0].board"),
    ('[[target]]\nboard = "b"\nbaud = "fast"\n', "target[0].baud"),
    ('[[target]]\nboard = "b"\nflash_tool = "x"\n', "target[0].flash_tool"),
    ('[[target]]\nboard = "b"\n[target.logic]\nchannel = "D0"\n', "target[0].logic.driver"),
    ('[[target]]\nboard = "b"\n[target.logic]\ndriver = "demo"\nchannel = "D0"\nconfig = ["x"]\n',
     "target[0].logic.config"),
    ('[boards]\nx = 1\n', "boards"),
    ('[[target]]\nboard = "rpi4"\nssh_port = 22\n', "target[0].ssh_port"),          # a port without ssh =
    ('[[target]]\nboard = "rpi4"\nssh = "pi@a b"\n', "target[0].ssh"),
    ('[[target]]\nboard = "rpi4"\nssh = "-oProxyCommand=x"\n', "target[0].ssh"),   # never an ssh option
    ('[[target]]\nboard = "rpi4"\nssh = "pi@x"\nssh_port = 70000\n', "target[0].ssh_port"),
    ('[[target]]\nboard = "rpi4"\nssh = "pi@x"\nssh_dir = "/tmp/a b"\n', "target[0].ssh_dir"),
])
def test_errors_name_the_field(text, where):
    with pytest.raises(McuforgeError) as e:
        parse_hardware_map(Path("hw.toml"), text)
    assert f"`{where}`" in e.value.message


def test_where_the_map_comes_from(tmp_path, monkeypatch):
    f = tmp_path / "lab.toml"
    f.write_text(MAP)
    monkeypatch.setenv(ENV_VAR, str(f))
    assert load_hardware_map().path == f
    monkeypatch.delenv(ENV_VAR)
    monkeypatch.setenv("HOME", str(tmp_path))  # no ~/.config/mcuforge/hardware-map.toml: an empty map
    assert load_hardware_map().targets == ()
    with pytest.raises(McuforgeError, match="hardware map not found"):
        load_hardware_map(tmp_path / "missing.toml")
