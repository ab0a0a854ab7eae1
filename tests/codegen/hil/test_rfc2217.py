"""A remote board over RFC 2217, on loopback: QEMU's console on a pty, Debian's ser2net exposing that
pty as telnet(rfc2217) on a local port (its YAML config written here), and the real run over
`rfc2217://127.0.0.1:PORT` through the `attach` driver, as for a board in a farm."""

from __future__ import annotations

import re
import shutil
import subprocess
import time

import pytest

from codegen.hil.drivers.qemu import QemuDriver
from codegen.hil.processes import dying_with_parent
from codegen.hil.processes import free_port, kill, reap
from codegen.hil.records import RunRequest
from codegen.run import default_inputs, layers_of, run_firmware
from support.paths import DEFAULT_MODEL

pytestmark = [pytest.mark.skipif(shutil.which("ser2net") is None, reason="ser2net is not installed"),
              pytest.mark.filterwarnings("ignore:set(Daemon|Name).. is deprecated:DeprecationWarning")]


def ser2net_version() -> tuple[int, ...]:
    out = subprocess.run(["ser2net", "-v"], capture_output=True, text=True, timeout=10).stdout
    m = re.search(r"(\d+)\.(\d+)\.(\d+)", out)
    assert m, f"unexpected `ser2net -v`: {out!r}"
    return tuple(int(x) for x in m.groups())


def _wait_for(pattern: str, log, timeout: float) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        log.seek(0)
        m = re.search(pattern, log.read().decode(errors="replace"))
        if m:
            return m.group(1)
        time.sleep(0.02)
    raise AssertionError(f"{pattern!r} did not appear within {timeout} s")


def _wait_listening(port: int, timeout: float) -> None:
    import socket
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError(f"ser2net did not listen on {port} within {timeout} s")


@pytest.fixture
def remote_board(an386_fw, tmp_path):
    """QEMU (console on a pty) behind ser2net: yields the rfc2217:// URL; stops both, bounded."""
    assert ser2net_version() >= (4, 0, 0), "the YAML configuration needs ser2net 4"
    project, fw = an386_fw
    q = QemuDriver()
    qemu, qlog = q.launch(q.command(project.board, fw, 0, RunRequest(), serial=["-serial", "pty"]))
    s2n = None
    try:
        pty = _wait_for(r"char device redirected to (/dev/pts/\d+)", qlog, timeout=10)
        port = free_port()
        cfg = tmp_path / "ser2net.yaml"
        cfg.write_text(f"""%YAML 1.1
---
connection: &mcuforge_qemu
  accepter: telnet(rfc2217),tcp,127.0.0.1,{port}
  connector: serialdev,{pty},115200n81,local
  options:
    kickolduser: true
""")
        s2n_log = open(tmp_path / "ser2net.log", "wb")
        s2n = subprocess.Popen(dying_with_parent(["ser2net", "-n", "-u", "-c", str(cfg),
                                                  "-P", str(tmp_path / "ser2net.pid")]),
                               stdout=s2n_log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        _wait_listening(port, timeout=10)
        # ser2net cannot set modem lines on a pty, so it never answers SET_CONTROL: tell pyserial
        yield project, fw, f"rfc2217://127.0.0.1:{port}?ign_set_control"
    finally:
        if s2n is not None:
            s2n.terminate()
            reap(s2n, grace=3)
        kill(qemu)
        qlog.close()


def test_run_over_rfc2217_through_ser2net(remote_board):
    project, fw, url = remote_board
    m = project.compiled
    source = default_inputs(DEFAULT_MODEL, m.inputs)
    res = run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, source, n=3, macs=m.macs,
                       request=RunRequest(target="attach", port=url, timeout=10), layers=layers_of(m))
    assert res.driver == "attach" and url in res.target
    assert res.unit == "instructions"  # an emulated-only board behind a port is QEMU: still instructions
    assert len(res.counts) == 3 and res.per_inference.p50 > 10_000  # instructions, not ticks
    top = max(range(10), key=lambda k: res.outputs[0][0][k])
    assert top == source.label
    assert [p.op for p in res.profile][:2] == ["CONV_2D", "MAX_POOL_2D"]
    assert res.states[-1].note == "closed"  # attached: left running for the next user


def test_attach_twice_to_the_same_remote_board(remote_board):
    """A board in a farm stays up between sessions; the second session pings instead of booting."""
    from codegen.hil.strategy import running
    project, fw, url = remote_board
    for k in range(2):
        with running(project.board, fw, RunRequest(target="attach", port=url, timeout=5)) as session:
            assert session.device.echo(f"session {k}") == f"session {k}"
