"""Flashing a real board: the protocol must be one the board lists and its tool must be installed;
the command PlatformIO would run comes from the board's data through the flash tool's module (checked
with `pio run -t upload` against a stand-in tool that records its arguments, since no probe is
attached here). Flash tools are a registry: a new protocol is one module plus the board file."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass, field
from pathlib import Path

import pytest

import codegen.hil.flash as flash
from codegen.boards import load_board, load_board_file
from codegen.boards.schema import BOARDS_DIR
from codegen.errors import McuforgeError
from codegen.hil.flash import FlashFiles, FlashTool, flash_tool, setting_fields, tools, upload_command
from codegen.hil.flash.upload import pio_upload
from codegen.hil.records import RunRequest
from codegen.pio.project import write_project
from codegen.pio.runner import build, run_pio
from codegen.resources import PIO_PLATFORM_DIR
from support.firmware import built
from support.paths import DEFAULT_MODEL


def test_unknown_protocol_is_refused():
    b = load_board("stm32l475")
    with pytest.raises(McuforgeError, match="cannot be flashed with 'jtag'") as e:
        pio_upload(b, Path("/nonexistent/firmware.elf"), RunRequest(upload_protocol="jtag"))
    assert "stlink" in e.value.hint


def _stand_in(tmp_path: Path, monkeypatch, tool: str) -> Path:
    """A fake `tool` first on PATH that writes its arguments to the returned log."""
    bindir = tmp_path / "bin"
    bindir.mkdir(exist_ok=True)
    log = tmp_path / f"{tool}.log"
    fake = bindir / tool
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {log}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    return log


@pytest.mark.parametrize("protocol, tool, expect", [
    ("stlink", "st-flash", ["--serial 0669FF5450 --reset", "--connect-under-reset", "write", "firmware.bin",
                            "0x8000000"]),
    ("openocd", "openocd", ["-c adapter serial 0669FF5450 -f interface/stlink.cfg", "-f", "target/stm32l4x.cfg"]),
    ("pyocd", "pyocd", ["flash --uid 0669FF5450 --target stm32l475xg", "/.pio/build/stm32l475/firmware.elf"]),
])
def test_upload_runs_the_boards_tool(tmp_path, monkeypatch, protocol, tool, expect):
    """... through the probe the request names (the hardware map's `probe`)."""
    project, fw = built("stm32l475", DEFAULT_MODEL, root=tmp_path)
    log = _stand_in(tmp_path, monkeypatch, tool)
    request = RunRequest(upload_protocol=protocol, probe="0669FF5450")
    assert pio_upload(project.board, fw, request) == f"flashed with {protocol}"
    args = log.read_text()
    for word in expect:
        assert word in args, args


def test_openocd_gets_its_program_command_as_one_argument(tmp_path, monkeypatch):
    """The quoting survives PlatformIO's builder and the shell: `-c` is followed by one argument."""
    project, fw = built("stm32l475", DEFAULT_MODEL, root=tmp_path)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "argv.log"
    fake = bindir / "openocd"
    fake.write_text(f"#!/bin/sh\nfor a in \"$@\"; do echo \"[$a]\"; done > {log}\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    pio_upload(project.board, fw, RunRequest(upload_protocol="openocd"))
    argv = log.read_text().splitlines()
    elf = project.dir / ".pio" / "build" / "stm32l475" / "firmware.elf"
    assert argv == ["[-f]", "[interface/stlink.cfg]", "[-f]", "[target/stm32l4x.cfg]", "[-c]",
                    f"[program {elf} verify reset exit]"]


def test_by_hand_upload_uses_the_command_in_platformio_ini(tmp_path, monkeypatch):
    """`pio run -t upload` in a generated project, without mcuforge: the board's default protocol."""
    project, _ = built("stm32l475", DEFAULT_MODEL, root=tmp_path)
    ini = (project.dir / "platformio.ini").read_text()
    assert "upload_protocol = stlink" in ini and "custom_mcuforge_upload_command = st-flash " in ini
    log = _stand_in(tmp_path, monkeypatch, "st-flash")
    res = run_pio(project.dir, "stm32l475", targets=("upload",), timeout=180)
    assert res.returncode == 0, res.stdout[-2000:]
    assert "write" in log.read_text() and "0x8000000" in log.read_text()


def test_a_missing_tool_names_its_install_hint(tmp_path, monkeypatch):
    project, fw = built("stm32l475", DEFAULT_MODEL, root=tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(McuforgeError, match="needs `pyocd`, which is not installed") as e:
        pio_upload(project.board, fw, RunRequest(upload_protocol="pyocd"))
    assert e.value.hint == flash_tool("pyocd").install_hint


def test_a_board_without_upload_cannot_be_flashed():
    with pytest.raises(McuforgeError, match="has no \\[upload\\] table"):
        pio_upload(load_board("mps2-an386"), Path("fw.elf"), RunRequest())


def test_every_tool_owns_program_hint_settings_and_command():
    assert set(tools()) == {"stlink", "openocd", "pyocd"}
    files = FlashFiles.built(0x08000000)
    for name, tool in tools().items():
        assert tool.name == name and tool.program and tool.install_hint
        example = tool.settings(**{f.name: "x" for f in setting_fields(tool) if f.required})
        argv = tool.command(example, files)
        assert argv[0] == tool.program
        assert all(f.doc for f in setting_fields(tool)), f"{name}: document every board field"


def test_the_builder_knows_no_flash_tool():
    """pio-platform/builder/main.py runs the command it is given: no tool, protocol or MCU in it."""
    text = (PIO_PLATFORM_DIR / "builder" / "main.py").read_text()
    for word in ("st-flash", "openocd", "pyocd", "stm32", "UPLOADERS", "interface/"):
        assert word not in text


def test_board_tables_are_checked_by_their_tool(tmp_path):
    good = (BOARDS_DIR / "stm32l475.toml").read_text().replace('name = "stm32l475"', 'name = "b"')
    p = tmp_path / "b.toml"
    for old, new, message in [
        ('target = "stm32l475xg"', 'tgt = "stm32l475xg"', "upload.pyocd.tgt"),                     # unknown key
        ('[upload.pyocd]\ntarget = "stm32l475xg"\n', "", "upload.pyocd"),                            # required table
        ('protocols = ["stlink", "openocd", "pyocd"]', 'protocols = ["stlink", "openocd"]', "upload.pyocd"),
        ('protocols = ["stlink", "openocd", "pyocd"]', 'protocols = ["stlink", "jlink"]', "upload.protocols"),
    ]:
        assert old in good
        p.write_text(good.replace(old, new))
        with pytest.raises(McuforgeError, match=message.replace(".", r"\.")):
            load_board_file(p)
    p.write_text(good)
    board = load_board_file(p)
    assert board.upload.settings["openocd"].target == "target/stm32l4x.cfg"
    assert board.upload.settings["pyocd"].target == "stm32l475xg"


@dataclass(frozen=True)
class _ProbeSettings:
    device: str = field(metadata={"doc": "the probe's name for the MCU"})
    speed: str = field(default="4000", metadata={"doc": "kHz"})


def _probe_arguments(settings: _ProbeSettings, files: FlashFiles) -> list[str]:
    return ["--device", settings.device, "--speed", settings.speed, files.hex]


# a new upload protocol, as its module would register it
PROBE = FlashTool(name="probe", program="probe-flash", install_hint="install probe-flash", settings=_ProbeSettings,
                  arguments=_probe_arguments)


def test_a_new_protocol_is_one_module_and_the_board_file(tmp_path, monkeypatch):
    """Register a tool (what a new codegen/hil/flash/<protocol>.py does on import), name it in a board
    file with its own table: the board validates, and `pio run -t upload` runs its command line."""
    flash.tools()
    monkeypatch.setitem(flash._TOOLS._entries, "probe", PROBE)
    text = (BOARDS_DIR / "stm32l475.toml").read_text().replace('name = "stm32l475"', 'name = "newprobe"')
    text = text.replace('protocol = "stlink"', 'protocol = "probe"').replace(
        'protocols = ["stlink", "openocd", "pyocd"]', 'protocols = ["probe"]')
    text = text.replace('[upload.openocd]\ninterface = "interface/stlink.cfg"\ntarget = "target/stm32l4x.cfg"\n', "")
    text = text.replace('[upload.pyocd]\ntarget = "stm32l475xg"\n', '[upload.probe]\ndevice = "STM32L475VG"\n')
    board_file = tmp_path / "newprobe.toml"
    board_file.write_text(text)
    board = load_board_file(board_file)
    assert board.upload.settings["probe"] == _ProbeSettings(device="STM32L475VG")
    assert upload_command("probe", board.upload.settings["probe"], FlashFiles.built(0)) == \
        "probe-flash --device STM32L475VG --speed 4000 '$BUILD_DIR/firmware.hex'"
    project = write_project(board, DEFAULT_MODEL, tmp_path / "proj")
    fw = build(project).elf
    log = _stand_in(tmp_path, monkeypatch, "probe-flash")
    assert pio_upload(board, fw, RunRequest()) == "flashed with probe"
    assert log.read_text().split() == ["--device", "STM32L475VG", "--speed", "4000",
                                       str(project.dir / ".pio" / "build" / "newprobe" / "firmware.hex")]


@pytest.mark.parametrize("protocol, at, picks", [
    ("stlink", 0, ["--serial", "0669FF5450"]),
    ("openocd", 0, ["-c", "adapter serial 0669FF5450"]),   # before the interface script opens a probe
    ("pyocd", 1, ["--uid", "0669FF5450"]),                 # an option of `pyocd flash`
])
def test_the_hardware_maps_probe_picks_the_probe(protocol, at, picks):
    """`probe` in the hardware map: each tool's own option selects that probe (several on one host)."""
    board = load_board("stm32l475")
    files = FlashFiles.built(board.flash.origin)
    settings = board.upload.settings[protocol]
    tool = flash_tool(protocol)
    plain = tool.command(settings, files)[1:]
    assert tool.command(settings, files, probe="0669FF5450") == [tool.program, *plain[:at], *picks, *plain[at:]]
    assert "0669FF5450" in upload_command(protocol, settings, files, probe="0669FF5450")


def test_a_tool_that_cannot_pick_a_probe_refuses_one():
    with pytest.raises(McuforgeError, match="cannot pick a probe by its serial number") as e:
        PROBE.command(_ProbeSettings(device="X"), FlashFiles.built(0), probe="123")
    assert "upload=" in e.value.hint


def test_the_run_request_takes_the_probe_from_the_hardware_map(tmp_path):
    from codegen.options import TargetOptions
    from codegen.run import request_for
    hwmap = tmp_path / "lab.toml"
    hwmap.write_text('[[target]]\nboard = "stm32l475"\nport = "/dev/ttyACM7"\nprobe = "0669FF5450"\n')
    board = load_board("stm32l475")
    assert request_for(TargetOptions(target="device", hwmap=hwmap), board).probe == "0669FF5450"
    assert request_for(TargetOptions(target="emulator", hwmap=hwmap), board).probe is None

