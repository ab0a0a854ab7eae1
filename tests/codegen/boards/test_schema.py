"""Board files: every shipped board validates; broken ones fail naming the file, field and form."""

from __future__ import annotations

from pathlib import Path

import pytest

from codegen.boards import BoardError, list_boards, load_board, load_board_file
from codegen.boards.schema import BOARDS_DIR, config_defines

REQUIRED = {"stm32l475", "mps2-an386", "mps2-an500", "mps2-an505", "mps3-an547", "netduinoplus2",
            "nucleo_l4r5zi", "nucleo_f746zg", "host"}


def test_required_boards_exist():
    assert REQUIRED <= set(list_boards())
    assert any(load_board(b).core.name.startswith("cortex-m33") or "nrf52840" in load_board(b).mcu.lower()
               for b in list_boards() if not load_board(b).emulated and load_board(b).real
               and b not in ("nucleo_l4r5zi", "nucleo_f746zg"))


@pytest.mark.parametrize("name", list_boards())
def test_every_board_validates(name):
    b = load_board(name)
    assert b.name == name
    if b.linux is not None:
        assert b.hosted and not b.native and b.flash is None and b.core.toolchain == b.linux.triplet
    elif not b.native:
        assert b.flash and b.ram and b.cpu_hz > 0
        assert b.emulated or b.real
        defines = dict(config_defines(b))
        assert defines["MF_BOARD_NAME"] == f'"{name}"'


def test_linux_board_facts():
    rpi4, mp1, pc = load_board("rpi4"), load_board("stm32mp157"), load_board("x86_64")
    assert rpi4.linux.arch.name == "aarch64" and rpi4.linux.compiler == "aarch64-linux-gnu-gcc"
    assert rpi4.core.cflags == ("-mcpu=cortex-a72",) and rpi4.linux.emulated and rpi4.linux.arch.qemu == "qemu-aarch64"
    assert mp1.linux.arch.name == "armv7l" and mp1.linux.compiler_package == "gcc-arm-linux-gnueabihf"
    assert pc.linux.compiler_package == "gcc-x86-64-linux-gnu" and not pc.linux.emulated
    assert dict(config_defines(rpi4))["MF_COUNTER_HZ"] == "1000000000u"


LINUX = (BOARDS_DIR / "rpi4.toml").read_text().replace('name = "rpi4"', 'name = "myboard"')


@pytest.mark.parametrize("edit, field, expected", [
    (('arch = "aarch64"', 'arch = "mips"'), "linux.arch", "one of aarch64, armv7l, x86_64"),
    (('triplet = "aarch64-linux-gnu"', 'triplet = "gcc"'), "linux.triplet", "a GNU target triplet"),
    (('cflags = ["-mcpu=cortex-a72"]', 'cflags = "-O3"'), "linux.cflags", "a list of strings"),
    (('kind = "linux"', 'kind = "fpga"'), "kind", "one of mcu, linux"),
    (('cpu_hz = 1800000000', 'core = "cortex-m4"'), "core", "no such field"),
])
def test_broken_linux_boards_name_the_field(tmp_path, edit, field, expected):
    assert edit[0] in LINUX
    with pytest.raises(BoardError) as e:
        load_board_file(_write(tmp_path, LINUX.replace(*edit)))
    assert f"`{field}`" in e.value.message and expected in e.value.message


def test_a_linux_board_without_its_compiler_names_the_package(tmp_path, monkeypatch):
    from codegen.pio.core import require_compiler
    b = load_board_file(_write(tmp_path, LINUX.replace('triplet = "aarch64-linux-gnu"',
                                                       'triplet = "riscv64-linux-gnu"')))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(BoardError.__mro__[1], match="riscv64-linux-gnu-gcc is not installed") as e:
        require_compiler(b)
    assert "apt-get install gcc-riscv64-linux-gnu" in e.value.hint


def test_default_board_facts():
    b = load_board("stm32l475")
    assert b.core.name == "cortex-m4f" and b.cpu_hz == 80_000_000
    assert b.flash.size == 1024 * 1024 and b.ram.size == 96 * 1024
    assert [(r.name, r.size) for r in b.extra_ram] == [("sram2", 32 * 1024)]
    assert b.emulator.machine == "b-l475e-iot01a" and b.upload.protocol == "stlink"
    d = dict(config_defines(b))
    assert d["MF_CONSOLE_TX_PORT"] == "1u" and d["MF_CONSOLE_TX_PIN"] == "6u"  # PB6
    assert d["MF_CONSOLE_BAUD"] == "115200u"


def _write(tmp_path: Path, text: str, name: str = "myboard") -> Path:
    p = tmp_path / f"{name}.toml"
    p.write_text(text)
    return p


GOOD = (BOARDS_DIR / "stm32l475.toml").read_text().replace('name = "stm32l475"', 'name = "myboard"')


def test_copy_of_a_board_is_valid(tmp_path):
    b = load_board_file(_write(tmp_path, GOOD))
    assert b.name == "myboard"


@pytest.mark.parametrize("edit, field, expected", [
    (("cpu_hz = 80000000", 'cpu_hz = "fast"'), "cpu_hz", "an integer"),
    (('core = "cortex-m4f"', 'core = "pentium"'), "core", "one of"),
    (('family = "stm32l4"', 'family = "stm99"'), "family", "firmware/bsp/<family>/"),
    (("flash = { origin = 0x08000000, size = 1048576 }", "flash = { origin = 0x08000000 }"),
     "memory.flash.size", "the field is missing"),
    (('tx = "PB6"', 'tx = "B6"'), "console.tx", "pin name"),
    (('protocol = "stlink"', 'protocol = "jtag-magic"'), "upload.protocol", "one of `upload.protocols`"),
    (('title = "B-L475E-IOT01A Discovery kit"', 'title = "x"\ncolour = "blue"'), "colour", "no such field"),
])
def test_broken_board_names_file_field_and_form(tmp_path, edit, field, expected):
    old, new = edit
    assert old in GOOD
    p = _write(tmp_path, GOOD.replace(old, new))
    with pytest.raises(BoardError) as e:
        load_board_file(p)
    msg = str(e.value)
    assert str(p) in msg and f"`{field}`" in msg and expected in msg


def test_name_must_match_file(tmp_path):
    with pytest.raises(BoardError, match="the file's stem"):
        load_board_file(_write(tmp_path, GOOD, name="other"))


def test_not_toml(tmp_path):
    with pytest.raises(BoardError, match="not valid TOML"):
        load_board_file(_write(tmp_path, "name = [unclosed"))


def test_unknown_board_lists_known():
    with pytest.raises(BoardError) as e:
        load_board("no-such-board")
    assert "stm32l475" in e.value.hint
