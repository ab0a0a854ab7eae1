"""The pytest plugin (entry point pytest11 -> codegen.pytest_plugin), exercised the way a user does:
a HIL test file in a fresh directory, run by pytest with --board/--model/--port."""

from __future__ import annotations

import pytest
# pytester runs pytest inside this process and afterwards unloads the modules a run imported first;
# tflite_micro's compiled extension cannot be loaded twice, so import what the fixtures use up front
from tflite_micro.python.tflite_micro import runtime  # noqa: F401

import codegen.hil.strategy  # noqa: F401
import codegen.pio.project  # noqa: F401
import codegen.pio.runner  # noqa: F401
import codegen.reference  # noqa: F401
from support.paths import DEFAULT_MODEL, ROOT

pytest_plugins = ["pytester"]

USER_TEST = '''
import numpy as np
import pytest

def test_the_model_answers(mcuforge_device, mcuforge_firmware):
    dev = mcuforge_device.device
    info = dev.info()
    assert info.sha256 == mcuforge_firmware.sha256
    d = np.load("{samples}")
    dev.load(0, d["x"][0].tobytes())
    counts = dev.infer(3)
    out = np.frombuffer(dev.results(0, info.outputs[0].nbytes), np.int8)
    assert len(counts) == 3 and int(out.argmax()) == int(d["y"][0])
    print("UNIT", mcuforge_device.unit.name)

def test_profile_names_every_layer(mcuforge_device, mcuforge_firmware):
    assert len(mcuforge_device.device.profile()) == len(mcuforge_firmware.compiled.steps)

@pytest.mark.hardware
def test_on_the_real_board(mcuforge_device):
    assert mcuforge_device.device.info().counter == "dwt"
'''


@pytest.fixture
def user_tests(pytester):
    pytester.makepyfile(test_user=USER_TEST.format(samples=DEFAULT_MODEL.with_suffix(".samples.npz")))
    return pytester


def _build_dir(tmp_path_factory) -> str:
    return str(tmp_path_factory.getbasetemp() / "plugin-builds")


def test_options_are_registered(pytester):
    res = pytester.runpytest("--help")
    out = res.stdout.str()
    for opt in ("--board=BOARD", "--model=MODEL", "--port=PORT", "--target=", "--hwmap=HWMAP"):
        assert opt in out


def test_host_board_hil_test_passes_and_hardware_is_skipped(user_tests, tmp_path_factory):
    res = user_tests.runpytest("--board=host", f"--model={DEFAULT_MODEL}",
                               f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-rs", "-s")
    res.assert_outcomes(passed=2, skipped=1)
    res.stdout.fnmatch_lines(["*UNIT ns*", "*needs a real host: give --port=*"])


def test_emulated_board_runs_in_qemu(user_tests, tmp_path_factory):
    res = user_tests.runpytest("--board=mps2-an386", f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-s")
    res.assert_outcomes(passed=2, skipped=1)
    res.stdout.fnmatch_lines(["*mcuforge: board mps2-an386*", "*UNIT instructions*"])


def _documented_example() -> str:
    text = (ROOT / "docs" / "HIL.md").read_text()
    section = text[text.index("## Writing your own HIL test"):]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    return code.replace('"models/digits_cnn.samples.npz"', repr(str(DEFAULT_MODEL.with_suffix(".samples.npz"))))


@pytest.mark.parametrize("board", ["host", "mps2-an386"])
def test_the_documented_example_runs(pytester, tmp_path_factory, board):
    """docs/HIL.md's "Writing your own HIL test", verbatim (but for the samples path)."""
    pytester.makepyfile(test_my_model=_documented_example())
    res = pytester.runpytest(f"--board={board}", f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-rs")
    res.assert_outcomes(passed=2, skipped=1)


def test_hardware_marker_is_not_skipped_with_a_port(pytester):
    """With --port the hardware test is collected to run (here only collected: no board attached)."""
    pytester.makepyfile(test_hw='''
import pytest
@pytest.mark.hardware
def test_board():
    pass
''')
    res = pytester.runpytest("--board=stm32l475", "--port=/dev/ttyACM9")
    res.assert_outcomes(passed=1)
    res = pytester.runpytest("--board=stm32l475")
    res.assert_outcomes(skipped=1)


def test_hardware_map_port_counts_as_hardware(pytester, tmp_path):
    hw = tmp_path / "hw.toml"
    hw.write_text('[[target]]\nboard = "stm32l475"\nport = "rfc2217://lab-pi:4000"\n')
    pytester.makepyfile(test_hw='''
import pytest
@pytest.mark.hardware
def test_board():
    pass
''')
    pytester.runpytest("--board=stm32l475", f"--hwmap={hw}").assert_outcomes(passed=1)


LINUX_TEST = '''
def test_over_ssh(mcuforge_device, mcuforge_firmware):
    dev = mcuforge_device.device
    assert dev.info().sha256 == mcuforge_firmware.sha256
    print("WHERE", mcuforge_device.description, mcuforge_device.unit.name)
'''


def test_a_linux_board_through_the_hardware_maps_ssh_entry(pytester, tmp_path, tmp_path_factory):
    from support.sshd import hardware_map, loopback_sshd
    pytester.makepyfile(test_linux=LINUX_TEST)
    with loopback_sshd(tmp_path) as sshd:
        hw = hardware_map(tmp_path / "hw.toml", {"stm32mp157": sshd})
        res = pytester.runpytest("--board=stm32mp157", "--target=emulator", f"--hwmap={hw}",
                                 f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-s")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines([f"*WHERE QEMU user mode on {sshd.destination} port {sshd.port} (emulated) ns*"])
