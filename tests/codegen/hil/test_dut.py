"""The device under test against the real host firmware: typed requests, retries on corrupted
bytes, clean failures when the line stays bad, bounded waits."""

from __future__ import annotations

import numpy as np
import pytest

from codegen.hil.dut import Device, DeviceError, DeviceGone, DeviceTimeout, LinkError
from codegen.hil.transport import ProcessTransport
from support.paths import DEFAULT_MODEL

class NoisyTransport:
    """Corrupts the first `bad` frames the device sends (flips a byte in each line)."""

    def __init__(self, inner, bad: int) -> None:
        self.inner, self.bad = inner, bad

    def write(self, data: bytes) -> None:
        self.inner.write(data)

    def read(self, timeout: float) -> bytes:
        data = self.inner.read(timeout)
        if self.bad > 0 and data.startswith(b"<"):
            self.bad -= 1
            data = data[:3] + b"Z" + data[4:]
        return data

    def close(self) -> None:
        self.inner.close()


def _device(fw, bad: int = 0, retries: int = 3) -> Device:
    t = ProcessTransport([str(fw)])
    dev = Device(NoisyTransport(t, bad) if bad else t, timeout=5, retries=retries)
    dev.wait_boot(5)
    return dev


def test_session(host_fw):
    project, fw = host_fw
    dev = _device(fw)
    info = dev.info()
    assert info.board == "host" and info.sha256 == project.compiled.sha256 and info.ops == 7
    x = np.load(DEFAULT_MODEL.with_suffix(".samples.npz"))["x"][0]
    dev.load(0, x.tobytes())
    counts = dev.infer(70)  # more than one batch of 64
    assert len(counts) == 70 and all(c > 0 for c in counts)
    out = np.frombuffer(dev.results(0, 10), np.int8)
    assert out.argmax() == np.load(DEFAULT_MODEL.with_suffix(".samples.npz"))["y"][0]
    assert len(dev.profile()) == 7
    assert dev.echo("hello world") == "hello world"
    dev.exit(0)


def test_errors_come_back_with_codes(host_fw):
    dev = _device(host_fw[1])
    with pytest.raises(DeviceError) as e:
        dev.request("frobnicate")
    assert e.value.code == 2
    with pytest.raises(DeviceError) as e:
        dev.request("load 5 0 00")
    assert e.value.code == 4
    with pytest.raises(DeviceError) as e:
        dev.request("infer 0 0")
    assert e.value.code == 4
    with pytest.raises(DeviceError) as e:
        dev.request("load 0 zz")
    assert e.value.code == 3
    dev.exit(0)


def test_garbage_is_retried(host_fw):
    dev = _device(host_fw[1], bad=2)
    assert dev.echo("survives noise") == "survives noise"
    assert dev.stats.retries == 2 and dev.stats.bad_frames == 2


def test_persistent_garbage_fails_clearly(host_fw):
    dev = _device(host_fw[1], bad=100, retries=2)
    with pytest.raises(LinkError, match="after 3 attempts"):
        dev.echo("never")


def test_silence_times_out():
    t = ProcessTransport(["sleep", "30"])
    dev = Device(t, timeout=0.5, retries=0)
    with pytest.raises(DeviceTimeout):
        dev.request("ping")
    t.proc.kill()
    t.close()


def test_selftest_arguments_are_checked(host_fw):
    dev = _device(host_fw[1])
    with pytest.raises(DeviceError) as e:
        dev.selftest("explode")
    assert e.value.code == 3
    dev.exit(0)


def test_host_selftest_hardfault_ends_the_process(host_fw):
    t = ProcessTransport([str(host_fw[1])])
    dev = Device(t, timeout=5, record=True)
    dev.wait_boot(5)
    with pytest.raises(DeviceGone):
        dev.selftest("hardfault")
    assert t.proc.wait(timeout=5) < 0  # killed by its own trap (SIGILL)
    assert dev.exchanges[-1].request == "selftest" and dev.exchanges[-1].outcome == "gone"
    t.close()


def test_errors_are_named(host_fw):
    """`err <code>` replies carry the code's name from the protocol (ERROR_NAMES) and the device's text."""
    dev = _device(host_fw[1])
    with pytest.raises(DeviceError, match=r"error 2 \(unknown command: unknown command\)"):
        dev.request("frobnicate")
    with pytest.raises(DeviceError, match=r"error 4 \(out of range: no such input\)"):
        dev.request("load 5 0 00")
    dev.exit(0)
