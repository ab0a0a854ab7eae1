"""Flash a built project with `pio run -t upload`: the board's upload protocol (or `upload=` among
its protocols), the tool's command line computed here and handed to PlatformIO's builder."""

from __future__ import annotations

import shutil
from pathlib import Path

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.hil.flash import FlashFiles, flash_tool, upload_command
from codegen.hil.records import RunRequest
from codegen.pio.runner import run_pio

UPLOAD_TIMEOUT_S = 180
ENV_COMMAND = "MCUFORGE_UPLOAD_COMMAND"  # read by pio-platform/builder/main.py


def pio_upload(board: Board, firmware: Path, request: RunRequest) -> str:
    """Flash `firmware` (in its PlatformIO project) onto the board; returns what was done."""
    if board.upload is None or board.flash is None:
        raise McuforgeError(f"{board.name} has no [upload] table: it cannot be flashed",
                            hint="run it with target=emulator, or add [upload] to its board file")
    protocol = request.upload_protocol or board.upload.protocol
    if protocol not in board.upload.protocols:
        raise McuforgeError(f"{board.name} cannot be flashed with {protocol!r}",
                            hint="use one of its [upload] protocols: " + ", ".join(board.upload.protocols))
    tool = flash_tool(protocol)
    if shutil.which(tool.program) is None:
        raise McuforgeError(f"flashing {board.name} with {protocol} needs `{tool.program}`, which is not installed",
                            hint=tool.install_hint)
    command = upload_command(protocol, board.upload.settings[protocol], FlashFiles.built(board.flash.origin),
                             request.probe)
    res = run_pio(firmware.parent, board.name, targets=("upload",), timeout=UPLOAD_TIMEOUT_S,
                  extra_env={ENV_COMMAND: command})
    if res.returncode != 0:
        tail = "\n".join((res.stdout + res.stderr).splitlines()[-15:])
        raise McuforgeError(f"flashing {board.name} failed:\n{tail}",
                            hint="check the probe connection and udev permissions; or flash=0 to skip")
    return f"flashed with {protocol}"
