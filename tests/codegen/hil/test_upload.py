"""Flashing a real board: the protocol must be one the board lists and its tool must be installed;
the command PlatformIO would run comes from the board's data (checked with `pio run -t upload`
against a stand-in tool that records its arguments, since no probe is attached here)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil.drivers import RunRequest, pio_upload
from support.firmware import built
from support.paths import DEFAULT_MODEL


def test_unknown_protocol_is_refused():
    b = load_board("stm32l475")
    with pytest.raises(McuforgeError, match="cannot be flashed with 'jtag'") as e:
        pio_upload(b, Path("/nonexistent/firmware.elf"), RunRequest(upload_protocol="jtag"))
    assert "stlink" in e.value.hint


@pytest.mark.parametrize("protocol, tool, expect", [
    ("stlink", "st-flash", ["--reset", "--connect-under-reset", "write", "firmware.bin", "0x8000000"]),
    ("openocd", "openocd", ["-f", "interface/stlink.cfg", "-f", "target/stm32l4x.cfg", "-c"]),
])
def test_upload_runs_the_boards_tool(tmp_path, monkeypatch, protocol, tool, expect):
    project, fw = built("stm32l475", DEFAULT_MODEL, root=tmp_path)
    bindir = tmp_path / "bin"
    bindir.mkdir()
    log = tmp_path / "args.log"
    fake = bindir / tool
    fake.write_text(f"#!/bin/sh\necho \"$@\" > {log}\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{bindir}{os.pathsep}{os.environ['PATH']}")
    pio_upload(project.board, fw, RunRequest(upload_protocol=protocol))
    args = log.read_text()
    for word in expect:
        assert word in args, args
