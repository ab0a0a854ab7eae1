"""The protocol version is checked when a driver connects: a firmware that speaks another version
(here a stand-in host firmware, a script that answers `info` with proto=2) is refused with the fix
(rebuild and reflash), and its process is not left running."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from codegen.boards import load_board
from codegen.hil.protocol import ProtocolVersionError
from codegen.hil.records import RunRequest
from codegen.hil.strategy import State, Strategy

OLD_FIRMWARE = r'''#!{python}
import os, sys
sys.path.insert(0, {root!r})
from codegen.hil.protocol import decode, encode
open({pidfile!r}, "w").write(str(os.getpid()))
out = sys.stdout.buffer
out.write(encode("boot proto=2 board=host model=old", 0, "!")); out.flush()
for line in sys.stdin.buffer:
    frame = decode(line.rstrip(b"\n"))
    if frame is None:
        continue
    body = "ok proto=2 fw=0.0.1 board=host" if frame.body == "info" else "ok"
    out.write(encode(body, frame.seq, "<")); out.flush()
    if frame.body.startswith("exit"):
        break
'''


def test_a_firmware_of_another_protocol_version_is_refused_at_connect(tmp_path):
    fw = tmp_path / "firmware"
    pidfile = tmp_path / "pid"
    fw.write_text(OLD_FIRMWARE.format(python=sys.executable, root=str(Path(__file__).resolve().parents[3]),
                                      pidfile=str(pidfile)))
    fw.chmod(0o755)
    with pytest.raises(ProtocolVersionError, match="speaks protocol version 2") as e:
        with Strategy(load_board("host"), fw, RunRequest(timeout=20)) as s:
            s.transition(State.RUNNING)
    assert "rebuild" in e.value.hint and "reflash" in e.value.hint
    assert s.state != State.RUNNING and s.session is None
    assert not Path(f"/proc/{pidfile.read_text()}").exists()  # killed and reaped
