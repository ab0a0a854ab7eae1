"""Linux boards: the cross-compiled program deployed over a real SSH server on loopback and run under
QEMU user mode (aarch64 and armv7), bit-exact with TFLM; the x86_64 board natively; and the clear
errors (refused connection, architecture mismatch, a program killed by a signal)."""

from __future__ import annotations

import json

import pytest

from codegen.boards import load_board
from codegen.errors import McuforgeError
from codegen.hil.linux import LinuxMode, mode_for, perf_counts, program
from codegen.hil.records import RunRequest
from codegen.hil.registry import select_driver
from codegen.hil.remote import RemoteError, SshMachine, SshTarget
from codegen.hil.strategy import State, Strategy
from codegen.run import RunFailed, default_inputs, run_firmware
from codegen.options.records import TargetOptions, ValidateOptions
from codegen.validate import validate
from support.firmware import built
from support.paths import DEFAULT_MODEL, SHARED_MODELS
from support.sshd import hardware_map, loopback_sshd, refused_target

KWS = SHARED_MODELS / "keyword_spotting.tflite"


@pytest.fixture(scope="module")
def sshd(tmp_path_factory):
    with loopback_sshd(tmp_path_factory.mktemp("linux-sshd")) as target:
        yield target


@pytest.fixture(scope="module")
def linux_root(tmp_path_factory):
    return tmp_path_factory.mktemp("linux-build")


@pytest.mark.parametrize("board,request_,driver", [
    ("rpi4", RunRequest(), "qemu-user"),                       # no board in the hardware map: emulated
    ("rpi4", RunRequest(target="emulator"), "qemu-user"),
    ("rpi4", RunRequest(ssh=SshTarget("pi@rpi")), "linux"),    # the hardware map's board: on its CPU
    ("rpi4", RunRequest(target="emulator", ssh=SshTarget("me@host")), "qemu-user"),
    ("stm32mp157", RunRequest(target="device"), "linux"),
    ("x86_64", RunRequest(), "linux"),                         # this machine (x86_64)
])
def test_the_registry_picks_the_linux_drivers(board, request_, driver):
    assert select_driver(load_board(board), request_).name == driver


def test_the_x86_64_board_has_no_emulator():
    with pytest.raises(McuforgeError, match="no way to run board x86_64 with target=emulator"):
        select_driver(load_board("x86_64"), RunRequest(target="emulator"))
    assert mode_for(load_board("host"), RunRequest()) is None


def test_program_lines():
    rpi4 = load_board("rpi4")
    assert program(rpi4, LinuxMode.EMULATED, perf=False) == "qemu-aarch64 -cpu cortex-a72 ./firmware"
    assert program(load_board("stm32mp157"), LinuxMode.EMULATED, perf=False) == "qemu-arm -cpu cortex-a7 ./firmware"
    assert program(rpi4, LinuxMode.NATIVE, perf=True) == "perf stat -x, -e cycles,instructions -- ./firmware"


def test_perf_output_parsed_including_not_supported():
    text = ("mcuforge: peak_rss_kb=700\n123456,,cycles:u,1000,100.00,,\n"
            "<not supported>,,instructions:u,0,100.00,,\n")
    assert perf_counts(text) == {"cycles": 123456, "instructions": None}


def test_the_ssh_command_is_bounded_and_never_prompts():
    argv = SshMachine(SshTarget("pi@rpi4.local", port=2222, key=None)).argv("true")
    line = " ".join(argv)
    assert "BatchMode=yes" in line and "ConnectTimeout=10" in line and "-p 2222" in line
    assert argv[:2] == ["ssh", "-T"] and argv[-2:] == ["pi@rpi4.local", "true"]


def _run(board: str, model, request: RunRequest, root, n: int = 5):
    project, fw = built(board, model, root=root)
    m = project.compiled
    return run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, default_inputs(model, m.inputs), n=n,
                        macs=m.macs, request=request, model=model.name)


@pytest.mark.parametrize("board", ["rpi4", "stm32mp157"])
@pytest.mark.parametrize("model", [DEFAULT_MODEL, KWS], ids=["default", "keyword_spotting"])
def test_emulated_board_over_ssh_is_bit_exact_with_tflm(board, model, sshd, linux_root, tmp_path):
    """The acceptance path: cross-compiled, copied over SSH (loopback sshd), run under QEMU user mode,
    every output compared with TFLM's interpreter."""
    project, _ = built(board, model, root=linux_root)
    hw = hardware_map(tmp_path / "hw.toml", {board: sshd})
    v = validate(project, ValidateOptions(samples=6, target=TargetOptions(target="emulator", hwmap=hw)), progress=False)
    assert v.error is None, v.error
    assert v.samples == 6 and v.bit_exact and v.mismatches == 0
    saved = json.loads((project.dir / "validate.json").read_text())
    assert saved["bit_exact"] and saved["target"] == "qemu-user"


def test_run_over_ssh_reports_the_emulated_timing_and_the_peak_rss(sshd, linux_root):
    r = _run("rpi4", DEFAULT_MODEL, RunRequest(target="emulator", ssh=sshd), linux_root, n=8)
    assert r.outputs[0] == [[-128, -128, -128, -128, -128, 127, -128, -128, -128, -128]]
    assert r.unit == "ns" and len(r.counts) == 8 and r.latency_us is not None
    assert r.latency_basis.startswith("emulated:") and "not rpi4's" in r.latency_basis
    assert "QEMU user mode" in r.target and sshd.destination in r.target
    assert r.peak_rss_bytes is not None and r.peak_rss_bytes > 100_000
    assert r.states[0].note.startswith("copied firmware to") and f"{sshd.directory}/rpi4/digits_cnn" in r.states[0].note


def test_the_build_machine_board_runs_natively(linux_root):
    r = _run("x86_64", DEFAULT_MODEL, RunRequest(), linux_root, n=5)
    assert r.driver == "linux" and r.target == "a process on this machine"
    assert r.outputs[0][0][5] == 127 and r.latency_basis.startswith("CLOCK_MONOTONIC on this machine")
    assert r.peak_rss_bytes is not None


def test_a_refused_ssh_connection_fails_clearly(linux_root, tmp_path):
    target = refused_target(tmp_path)
    with pytest.raises(RemoteError) as e:
        _run("rpi4", DEFAULT_MODEL, RunRequest(target="emulator", ssh=target), linux_root)
    assert "connection refused" in e.value.message and target.describe() in e.value.message
    assert f"ssh -o BatchMode=yes" in e.value.hint and f"-p {target.port}" in e.value.hint
    assert e.value.hint.rstrip().endswith("true")


def test_an_architecture_mismatch_is_named(sshd, linux_root):
    """rpi4 on its own CPU, but the hardware map points at this x86_64 machine."""
    with pytest.raises(McuforgeError, match="architecture mismatch: rpi4 is aarch64, but .* is x86_64") as e:
        _run("rpi4", DEFAULT_MODEL, RunRequest(target="device", ssh=sshd), linux_root)
    assert "target=emulator" in e.value.hint


@pytest.mark.parametrize("board,signal", [("stm32mp157", "SIGILL"), ("x86_64", "SIGILL")])
def test_a_crashing_program_reports_its_signal(board, signal, sshd, linux_root):
    """`selftest hardfault` is __builtin_trap() off Cortex-M: the process dies of a signal, named."""
    project, fw = built(board, DEFAULT_MODEL, root=linux_root)
    request = RunRequest(target="emulator", ssh=sshd, timeout=30) if board != "x86_64" else RunRequest()
    with Strategy(project.board, fw, request) as s:
        session = s.transition(State.RUNNING)
        with pytest.raises(McuforgeError) as e:
            session.device.selftest("hardfault", timeout=60)
        assert f"killed by {signal}" in e.value.message and project.board.name in e.value.message
    assert s.stopped is not None and s.stopped.how == "killed"


def test_a_missing_emulator_says_what_to_install(linux_root, tmp_path, monkeypatch):
    """A PATH with a shell and uname but no qemu-aarch64: the error names the package."""
    import shutil
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("sh", "uname"):
        (bindir / tool).symlink_to(shutil.which(tool))
    project, fw = built("rpi4", DEFAULT_MODEL, root=linux_root)
    monkeypatch.setenv("PATH", str(bindir))
    with pytest.raises(McuforgeError, match="qemu-aarch64 is not installed here: it emulates rpi4") as e:
        with Strategy(project.board, fw, RunRequest(target="emulator")) as s:
            s.transition(State.RUNNING)
    assert "apt-get install qemu-user" in e.value.hint


def test_a_board_that_fails_mid_run_keeps_what_was_gathered(sshd, linux_root):
    with pytest.raises(RunFailed) as e:
        project, fw = built("rpi4", DEFAULT_MODEL, root=linux_root)
        m = project.compiled
        run_firmware(project.board, fw, "0" * 64, m.inputs, m.outputs, default_inputs(DEFAULT_MODEL, m.inputs),
                     n=2, request=RunRequest(target="emulator", ssh=sshd))
    assert "runs model" in e.value.message and e.value.result.device is not None


def test_a_refused_login_says_to_install_the_key(sshd, linux_root, tmp_path):
    import subprocess
    from dataclasses import replace
    other = tmp_path / "other_key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(other)], check=True, timeout=60)
    with pytest.raises(RemoteError, match="login refused") as e:
        _run("rpi4", DEFAULT_MODEL, RunRequest(target="emulator", ssh=replace(sshd, key=other)), linux_root)
    assert "ssh-copy-id" in e.value.hint


def test_a_hung_program_is_killed_on_the_board(sshd, linux_root):
    """`selftest hang` never answers: the request times out, and the program is killed there by its
    process id (closing ssh alone would leave it spinning on the board)."""
    from codegen.hil.dut import DeviceTimeout
    from codegen.hil.remote import SshMachine
    project, fw = built("stm32mp157", DEFAULT_MODEL, root=linux_root)
    with pytest.raises(DeviceTimeout):
        with Strategy(project.board, fw, RunRequest(target="emulator", ssh=sshd)) as s:
            session = s.transition(State.RUNNING)
            pid = session.pid
            session.device.selftest("hang", timeout=1.0)
    assert s.stopped is not None and s.stopped.how == "killed"
    gone = SshMachine(sshd).run(f"kill -0 {pid} 2>/dev/null && echo alive || echo gone")
    assert gone.stdout.strip() == "gone"


def test_the_host_board_reports_its_peak_rss_too(linux_root):
    r = _run("host", DEFAULT_MODEL, RunRequest(), linux_root, n=3)
    assert r.driver == "host" and r.peak_rss_bytes is not None and r.peak_rss_bytes > 100_000
