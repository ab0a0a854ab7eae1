"""The pytest plugin (entry point pytest11 -> codegen.pytest_plugin), exercised the way a user does:
a HIL test file in a fresh directory, run by pytest with --mcuforge-board/--mcuforge-model/--mcuforge-port;
and beside pytest-embedded, which registers --port and --target itself."""

from __future__ import annotations

import pytest
# pytester runs pytest inside this process and afterwards unloads the modules a run imported first;
# tflite_micro's compiled extension cannot be loaded twice, so import what the fixtures use up front
from tflite_micro.python.tflite_micro import runtime  # noqa: F401

import codegen.hil.strategy  # noqa: F401
import codegen.pio.project  # noqa: F401
import codegen.pio.runner  # noqa: F401
import codegen.reference  # noqa: F401
from codegen.hil.registry import drivers
from support.paths import DEFAULT_MODEL, ROOT

drivers()  # the driver modules too: unloaded after a run, they would register again when imported anew

pytest_plugins = ["pytester"]
# in-process runs leave pytest-embedded out (its multiprocessing manager outlives them);
# test_coexists_with_pytest_embedded loads both plugins in a pytest process of its own
ALONE = ("-p", "no:pytest_embedded")

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
    res = pytester.runpytest(*ALONE, "--help")
    out = res.stdout.str()
    for opt in ("--mcuforge-board=", "--mcuforge-model=", "--mcuforge-port=", "--mcuforge-target=",
                "--mcuforge-hwmap="):
        assert opt in out


def test_host_board_hil_test_passes_and_hardware_is_skipped(user_tests, tmp_path_factory):
    res = user_tests.runpytest(*ALONE, "--mcuforge-board=host", f"--mcuforge-model={DEFAULT_MODEL}",
                               f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-rs", "-s")
    res.assert_outcomes(passed=2, skipped=1)
    res.stdout.fnmatch_lines(["*UNIT ns*", "*needs a real host: give --mcuforge-port=*"])


def test_emulated_board_runs_in_qemu(user_tests, tmp_path_factory):
    res = user_tests.runpytest(*ALONE, "--mcuforge-board=mps2-an386", f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-s")
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
    res = pytester.runpytest(*ALONE, f"--mcuforge-board={board}", f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-rs")
    res.assert_outcomes(passed=2, skipped=1)


def test_hardware_marker_is_not_skipped_with_a_port(pytester):
    """With --mcuforge-port the hardware test is collected to run (here only collected: no board attached)."""
    pytester.makepyfile(test_hw='''
import pytest
@pytest.mark.hardware
def test_board():
    pass
''')
    res = pytester.runpytest(*ALONE, "--mcuforge-board=stm32l475", "--mcuforge-port=/dev/ttyACM9")
    res.assert_outcomes(passed=1)
    res = pytester.runpytest(*ALONE, "--mcuforge-board=stm32l475")
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
    pytester.runpytest(*ALONE, "--mcuforge-board=stm32l475", f"--mcuforge-hwmap={hw}").assert_outcomes(passed=1)


BOTH = '''
def test_both_plugins_answer(request, mcuforge_options):
    pm = request.config.pluginmanager
    assert pm.has_plugin("mcuforge") and pm.has_plugin("pytest_embedded")
    assert mcuforge_options.board == "host" and mcuforge_options.target.port == "/dev/ttyACM7"
    assert str(mcuforge_options.target.target) == "attach"
    assert request.config.getoption("port") == "/dev/ttyUSB3"      # pytest-embedded's own --port
    assert request.config.getoption("target") == "esp32"           # and its --target
'''


def test_coexists_with_pytest_embedded(tmp_path):
    """Both plugins auto-loaded by one pytest (pytest-embedded registers --port, --target, --baud and
    --build-dir; every mcuforge option is prefixed): the options of each reach their own plugin."""
    import os
    import subprocess
    import sys
    (tmp_path / "test_both.py").write_text(BOTH)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    # labgrid's own plugin (labgrid is a dependency) has `env`/`target` fixtures too: pytest-embedded's
    # fixtures would get labgrid's `target`, so it stays out, as docs/HIL.md tells users
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:labgrid",
                          "test_both.py",
                          "--mcuforge-board=host", "--mcuforge-port=/dev/ttyACM7", "--mcuforge-target=attach",
                          "--port=/dev/ttyUSB3", "--target=esp32"],
                         cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0 and "1 passed" in res.stdout, res.stdout[-3000:] + res.stderr[-3000:]
    helped = subprocess.run([sys.executable, "-m", "pytest", "--help"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=300)
    assert helped.returncode == 0, helped.stderr[-3000:]
    for opt in ("--mcuforge-port=", "--mcuforge-target=", "--port=", "--target="):
        assert opt in helped.stdout


def test_a_bad_option_value_stops_pytest_with_the_fix(pytester):
    res = pytester.runpytest(*ALONE, "--mcuforge-board=pdp11")
    assert res.ret != 0
    res.stderr.fnmatch_lines(["*--mcuforge-board: unknown board 'pdp11'*", "*fix:*"])
    res = pytester.runpytest(*ALONE, "--mcuforge-target=qemu")
    assert res.ret != 0 and "'qemu': not one of the choices; expected auto|emulator|device|host|attach" in res.stderr.str()
    res = pytester.runpytest(*ALONE, "--mcuforge-timeout=0")
    assert res.ret != 0 and "a number > 0" in res.stderr.str()


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
        res = pytester.runpytest(*ALONE, "--mcuforge-board=stm32mp157", "--mcuforge-target=emulator",
                                 f"--mcuforge-hwmap={hw}",
                                 f"--mcuforge-build-dir={_build_dir(tmp_path_factory)}", "-s")
    res.assert_outcomes(passed=1)
    res.stdout.fnmatch_lines([f"*WHERE QEMU user mode on {sshd.destination} port {sshd.port} (emulated) ns*"])
