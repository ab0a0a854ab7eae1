"""Faults on an emulated Cortex-M4 (QEMU mps2-an386): a HardFault is reported with its registers and
fails the run with that reason; a hung target is killed at its timeout; garbage on a real socket://
line is detected, retried, then failed clearly; and what a run gathered before failing is written."""

from __future__ import annotations

import json
import select
import socket
import threading
import time

import pytest

from codegen.hil.drivers.qemu import QemuDriver
from codegen.hil.processes import free_port, kill
from codegen.hil.records import RunRequest
from codegen.hil.dut import Device, DeviceFault, DeviceTimeout, LinkError
from codegen.hil.strategy import State, Strategy
from codegen.hil.symbols import symbolize
from codegen.hil.transport import SerialTransport
from codegen.run import RunFailed, default_inputs, layers_of, run_firmware
from support.paths import DEFAULT_MODEL


def test_hardfault_is_reported_with_registers(an386_fw):
    project, fw = an386_fw
    t0 = time.monotonic()
    with pytest.raises(DeviceFault) as e:
        with Strategy(project.board, fw, RunRequest(timeout=5)) as s:
            s.transition(State.RUNNING)
            s.session.device.selftest("hardfault")
    f = e.value.fault
    assert f.kind == "hardfault"
    assert f.registers["hfsr"] == 0x40000000  # FORCED: the SVC escalated
    assert set(f.registers) >= {"pc", "lr", "xpsr", "cfsr", "sp", "r0", "r1", "r2", "r3", "r12"}
    assert symbolize(fw, f.registers["pc"]).startswith("mf_selftest_hardfault+")
    assert s.stopped.how == "killed" and s.session.process.poll() is not None
    # bounded: far below the default 20 s request timeout, with room for a loaded machine
    assert time.monotonic() - t0 < 60


@pytest.mark.parametrize("board", [
    "stm32l475",
    *(pytest.param(b, marks=pytest.mark.slow) for b in ("mps2-an500", "mps2-an505", "mps3-an547", "netduinoplus2")),
])
def test_hardfault_on_every_emulated_core(board, hil_build_root):
    """Cortex-M4 (STM32L4), M7, M33 (Secure), M55 and the STM32F4: the same HardFault report."""
    from support.firmware import built
    project, fw = built(board, DEFAULT_MODEL, root=hil_build_root)
    with pytest.raises(DeviceFault) as e:
        with Strategy(project.board, fw, RunRequest(timeout=5)) as s:
            s.transition(State.RUNNING)
            s.session.device.selftest("hardfault")
    assert e.value.fault.kind == "hardfault" and e.value.fault.registers["hfsr"] == 0x40000000
    assert symbolize(fw, e.value.fault.registers["pc"]).startswith("mf_selftest_hardfault+")


def test_a_fault_fails_the_run_with_its_reason_and_keeps_what_was_gathered(an386_fw, monkeypatch):
    """A fault after the timed inferences (during `profile`): the run fails with kind 'fault', the
    registers and the faulting function, and still carries the counts and outputs it had."""
    project, fw = an386_fw
    m = project.compiled
    monkeypatch.setattr(Device, "profile", lambda self, timeout=None: self.selftest("hardfault", timeout=5))
    with pytest.raises(RunFailed) as e:
        run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, default_inputs(DEFAULT_MODEL, m.inputs),
                     n=4, macs=m.macs, request=RunRequest(target="emulator", timeout=5), layers=layers_of(m))
    r = e.value.result
    assert "fault" in e.value.message and "hardfault" in e.value.message
    assert r.failure.kind == "fault" and r.failure.fault_kind == "hardfault"
    assert r.failure.location.startswith("mf_selftest_hardfault")
    assert len(r.counts) == 4 and r.per_inference is not None and r.outputs  # gathered before the fault
    assert not r.profile and not r.complete
    assert [s.target for s in r.states] == ["flashed", "running", "stopped"] and "killed" in r.states[-1].note


def test_failed_scons_run_writes_run_json_and_report(an386_fw, monkeypatch, tmp_path):
    """`scons run` path: run.json and report.md are written before the failure is raised."""
    from codegen.cli_show import run_and_show
    from codegen.options import RunOptions, TargetOptions
    project, _ = an386_fw
    monkeypatch.setattr(Device, "stack", lambda self: self.selftest("hardfault", timeout=5))
    (project.dir / "run.failed.json").unlink(missing_ok=True)
    with pytest.raises(RunFailed):
        run_and_show(project, RunOptions(n=3, target=TargetOptions(target="emulator", timeout=5)))
    data = json.loads((project.dir / "run.failed.json").read_text())  # beside the last good run.json
    assert data["complete"] is False and data["failure"]["kind"] == "fault"
    assert data["failure"]["registers"]["hfsr"] == 0x40000000 and len(data["counts"]) == 3
    assert len(data["profile"]) == len(project.compiled.steps)  # the profile ran before the fault
    report = (project.dir / "report.failed.md").read_text()
    assert "## FAILED" in report and "mf_selftest_hardfault" in report and "## Per-layer profile" in report


def test_hung_target_is_killed_at_its_timeout(an386_fw):
    project, fw = an386_fw
    t0 = time.monotonic()
    with pytest.raises(DeviceTimeout, match="no reply to 'selftest' within 1 s"):
        with Strategy(project.board, fw, RunRequest(timeout=1.0)) as s:
            s.transition(State.RUNNING)
            s.session.device.selftest("hang")
    elapsed = time.monotonic() - t0
    assert s.session.process.poll() is not None and s.stopped.how == "killed"
    # bounded (pytest-timeout would catch a hang); the margin holds on a loaded machine
    assert elapsed < 60, f"a 1 s timeout took {elapsed:.1f} s to end the session"


def test_hung_run_fails_as_timeout(an386_fw, monkeypatch):
    project, fw = an386_fw
    m = project.compiled
    monkeypatch.setattr(Device, "infer", lambda self, n, warmup=True, timeout=None: self.selftest("hang", timeout=1))
    with pytest.raises(RunFailed) as e:
        run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, default_inputs(DEFAULT_MODEL, m.inputs),
                     n=2, macs=m.macs, request=RunRequest(target="emulator", timeout=1))
    assert e.value.result.failure.kind == "timeout" and e.value.result.device is not None


class NoisyRelay:
    """A TCP relay between the host and QEMU's console that corrupts the first `bad` reply lines
    (one byte each): noise on a real socket:// line."""

    def __init__(self, upstream: int, bad: int) -> None:
        self.upstream, self.bad = upstream, bad
        self.corrupted = 0
        self.srv = socket.socket()
        self.srv.bind(("127.0.0.1", 0))
        self.srv.listen(1)
        self.port = self.srv.getsockname()[1]
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        self.srv.settimeout(60)
        host, _ = self.srv.accept()
        dev = None
        deadline = time.monotonic() + 60
        while dev is None:
            try:
                dev = socket.create_connection(("127.0.0.1", self.upstream), timeout=1)
            except OSError:
                if time.monotonic() > deadline:
                    return
                time.sleep(0.02)
        pending = b""
        while not self.stop.is_set():
            r, _, _ = select.select([host, dev], [], [], 0.05)
            for s in r:
                data = s.recv(4096)
                if not data:
                    self.stop.set()
                    break
                if s is host:
                    dev.sendall(data)
                    continue
                pending += data
                while b"\n" in pending:
                    line, pending = pending.split(b"\n", 1)
                    if line.startswith(b"<") and self.corrupted < self.bad:
                        self.corrupted += 1
                        line = line[:9] + bytes([line[9] ^ 0x01]) + line[10:]
                    host.sendall(line + b"\n")
        host.close()
        dev.close()
        self.srv.close()


def _qemu_behind_relay(project, fw, bad: int):
    q = QemuDriver()
    port = free_port()
    proc, log = q.launch(q.command(project.board, fw, port, RunRequest()))
    relay = NoisyRelay(port, bad)
    t = SerialTransport(f"socket://127.0.0.1:{relay.port}", open_timeout=60)
    return proc, log, relay, t


@pytest.mark.parametrize("bad,retries", [(2, 3), (100, 2)])
def test_garbage_on_a_socket_line_is_retried_then_failed_clearly(an386_fw, bad, retries):
    project, fw = an386_fw
    proc, log, relay, t = _qemu_behind_relay(project, fw, bad)
    try:
        # Generous waits: on a loaded machine QEMU's boot event can take seconds. Had wait_boot given
        # up, it would ping, and the relay corrupts the ping's short reply into a malformed frame.
        dev = Device(t, timeout=30, retries=retries)
        dev.wait_boot(60)
        assert dev.booted is not None, "QEMU's boot event never came through the relay"
        if bad <= retries:
            assert dev.echo("through the noise") == "through the noise"
            assert dev.stats.bad_frames == bad and dev.stats.retries == bad
            assert dev.info().board == "mps2-an386"
        else:
            with pytest.raises(LinkError, match=f"after {retries + 1} attempts: checksum mismatch") as e:
                dev.echo("never")
            assert "noise on the serial line" in e.value.hint
            assert dev.stats.bad_frames == retries + 1
    finally:
        relay.stop.set()
        t.close()
        kill(proc)
        log.close()
    assert proc.poll() is not None


def test_garbage_from_the_host_is_answered_with_bad_frame(an386_fw):
    """The device side: a corrupted request gets `err 1` (seq ff), and the host's next request
    absorbs that reply as a retry instead of mistaking it for its own."""
    project, fw = an386_fw
    with Strategy(project.board, fw, RunRequest(timeout=3)) as s:
        dev = s.transition(State.RUNNING).device
        dev.write(b">0004" + b"01ping*0000\n")  # right shape, wrong checksum
        dev.write(b"\x00\xff line noise \x1b[0m\n")
        assert dev.echo("after noise") == "after noise"
        assert dev.stats.retries >= 1
        assert dev.info().board == "mps2-an386"
