"""The whole farm path on one machine: a labgrid coordinator and exporter on loopback with two
emulated places (an STM32L475 and an MPS2-AN386, each QEMU behind ser2net through an mcuforge agent),
used the way docs/HIL.md tells a user: `scons ... test target=labgrid place=...` on each place,
bit-exact with TFLM; the pytest plugin's matrix over both places in one pytest run (pytest-xdist, one
worker per place) with a JUnit file per place; a place locked by another client refused with who and
since when, the lock left intact; Ctrl-C (a real SIGINT) still releases the place. Every process the
farm started is reaped."""

from __future__ import annotations

import json
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from support.farm import farm
from support.paths import DEFAULT_MODEL, ROOT

pytestmark = [pytest.mark.qemu, pytest.mark.skipif(shutil.which("ser2net") is None, reason="ser2net is not installed")]

SCONS = [str(Path(sys.executable).with_name("scons")), "-C", str(ROOT)]
PLACES = {"ci-l475": "stm32l475", "ci-an386": "mps2-an386"}


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    import psutil
    root = tmp_path_factory.mktemp("farm")
    with farm(root / "farm", PLACES) as f:
        f.build_dir = root / "build"  # type: ignore[attr-defined]
        yield f
    left = [p.args[0] for p in f.started if p.returncode is None]
    assert not left, f"not reaped: {left}"
    alive = [pid for pid in f.descendants if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
    assert not alive, f"the agents' children outlived them: {alive}"


def scons(lab, *args: str, timeout: float = 600, user: str | None = None) -> subprocess.CompletedProcess:
    env = lab.env(**({"LG_USERNAME": user} if user else {}))
    return subprocess.run([*SCONS, f"build_dir={lab.build_dir}", f"coordinator={lab.coordinator}", *args],
                          capture_output=True, text=True, timeout=timeout, env=env)


@pytest.mark.parametrize("place", sorted(PLACES))
def test_scons_test_on_each_place_is_bit_exact(lab, place):
    board = PLACES[place]
    res = scons(lab, f"board={board}", "test", "samples=5", "target=labgrid", f"place={place}")
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    assert "bit-exact: 5/5 samples agree" in res.stdout
    v = json.loads((lab.build_dir / board / DEFAULT_MODEL.stem / "validate.json").read_text())
    assert v["samples"] == 5 and v["bit_exact"] and v["target"] == "labgrid" and v["board"] == board
    assert lab.holder(place) is None  # released


@pytest.mark.slow  # the pytest matrix checks the unit too; this adds run.json's view of a place
def test_run_on_a_place_counts_instructions(lab):
    res = scons(lab, "board=mps2-an386", "run", "n=3", "place=ci-an386")  # place= alone means target=labgrid
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]
    run = json.loads((lab.build_dir / "mps2-an386" / DEFAULT_MODEL.stem / "run.json").read_text())
    assert run["driver"] == "labgrid" and "labgrid place ci-an386" in run["target"]
    assert run["unit"] == "instructions" and len(run["counts"]) == 3  # QEMU behind the place: -icount
    assert [s["target"] for s in run["states"]] == ["flashed", "running", "stopped"]
    assert lab.holder("ci-an386") is None


MATRIX_TEST = '''
import numpy as np

def test_classifies_sample_0(mcuforge_device, mcuforge_firmware, mcuforge_place):
    dev = mcuforge_device.device
    info = dev.info()
    assert info.sha256 == mcuforge_firmware.sha256 and info.board == mcuforge_place.tag("board")
    d = np.load("{samples}")
    dev.load(0, d["x"][0].tobytes())
    assert len(dev.infer(3)) == 3
    assert int(np.frombuffer(dev.results(0, info.outputs[0].nbytes), np.int8).argmax()) == int(d["y"][0])
    assert mcuforge_device.unit.name == "instructions"

def test_echo(mcuforge_device):
    assert mcuforge_device.device.echo("farm") == "farm"
'''


def test_pytest_matrix_over_both_places_in_one_run(lab, tmp_path):
    (tmp_path / "test_matrix.py").write_text(MATRIX_TEST.format(samples=DEFAULT_MODEL.with_suffix(".samples.npz")))
    junit = tmp_path / "junit"
    args = [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "no:pytest_embedded", "-p", "no:labgrid",
            "-n", "2", "-v", "test_matrix.py", f"--mcuforge-coordinator={lab.coordinator}",
            f"--mcuforge-build-dir={lab.build_dir}", f"--mcuforge-junit-dir={junit}",
            *(f"--mcuforge-place={p}" for p in PLACES)]
    res = subprocess.run(args, cwd=tmp_path, capture_output=True, text=True, timeout=600, env=lab.env())
    assert res.returncode == 0, res.stdout[-4000:] + res.stderr[-2000:]
    assert "4 passed" in res.stdout
    workers = {place: {line.split()[0] for line in res.stdout.splitlines()
                       if line.startswith("[gw") and f"[{place}]" in line} for place in PLACES}
    assert all(len(w) == 1 for w in workers.values()), workers  # one worker per place: each locked once
    for place in PLACES:
        suite = ET.parse(junit / f"junit-{place}.xml").getroot()
        assert suite.get("tests") == "2" and suite.get("failures") == "0" and suite.get("errors") == "0"
        assert sorted(tc.get("name") for tc in suite.iter("testcase")) == [f"test_classifies_sample_0[{place}]",
                                                                          f"test_echo[{place}]"]
        assert lab.holder(place) is None


def test_a_place_locked_by_another_client_is_refused_and_stays_locked(lab):
    lab.client("-p", "ci-l475", "acquire", user="alice")
    try:
        res = scons(lab, "board=stm32l475", "run", "target=labgrid", "place=ci-l475", timeout=300)
        assert res.returncode != 0
        assert "Traceback" not in res.stderr
        assert "error: place ci-l475 is locked by" in res.stderr and "/alice since 20" in res.stderr
        assert "labgrid-client -p ci-l475 release" in res.stderr
        assert lab.holder("ci-l475").endswith("/alice")  # the other client's lock is intact
    finally:
        lab.client("-p", "ci-l475", "release", user="alice")


def test_ctrl_c_releases_the_place(lab):
    """A real SIGINT to scons while it runs on the place: the run stops, QEMU is stopped, the place is released."""
    from codegen.hil.farm.agent import agent_status
    from codegen.hil.farm.client import FarmClient
    client = FarmClient(lab.coordinator)
    try:
        agent = client.place("ci-an386").agent
    finally:
        client.close()
    assert agent is not None
    proc = subprocess.Popen([*SCONS, f"build_dir={lab.build_dir}", f"coordinator={lab.coordinator}",
                             "board=mps2-an386", "run", "n=100000", "place=ci-an386"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=lab.env())
    try:
        deadline = time.monotonic() + 300
        while not (lab.holder("ci-an386") and agent_status(agent).running):  # acquired, flashed, running
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the run never got the place running"
            time.sleep(0.2)
        time.sleep(3.0)  # well inside the timed inferences (100,000 of them)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode != 0
    assert "Traceback" not in err and "Ctrl-C" in err, err[-3000:]
    assert lab.holder("ci-an386") is None
    assert not agent_status(agent).running  # QEMU stopped


# --- errors that say what to do (in-process, against the same farm) ---------------------------------

def _held(lab, place: str, board: str):
    from codegen.hil.farm.client import held_place
    with held_place(lab.coordinator, place, board) as p:
        return p


def test_unknown_place_names_the_places_there_are(lab):
    from codegen.errors import McuforgeError
    with pytest.raises(McuforgeError) as exc:
        _held(lab, "ci-nope", "stm32l475")
    assert "has no place 'ci-nope'" in exc.value.message and "ci-an386" in exc.value.message
    assert "labgrid-client -p NAME create" in exc.value.hint


def test_a_place_holding_another_board_is_refused(lab):
    from codegen.errors import McuforgeError
    res = scons(lab, "board=mps2-an386", "run", "place=ci-l475", timeout=300)
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "error: place ci-l475 holds a stm32l475 (its labgrid tag board=stm32l475), not a mps2-an386" in res.stderr
    assert "board=stm32l475" in res.stderr
    lab.client("-p", "ci-untagged", "create")
    lab.client("-p", "ci-untagged", "add-match", "mcuforge-ci/mf-ci-l475/NetworkSerialPort")
    try:
        with pytest.raises(McuforgeError) as exc:
            _held(lab, "ci-untagged", "stm32l475")
        assert "does not say which board it holds" in exc.value.message
        assert "set-tags board=stm32l475" in exc.value.hint
        from codegen.hil.farm.client import held_place
        with held_place(lab.coordinator, "ci-untagged", "stm32l475", hwmap_board="stm32l475") as p:
            assert p.lock is not None  # the hardware map's `place` key says which board it holds
        assert lab.holder("ci-untagged") is None
    finally:
        lab.client("-p", "ci-untagged", "delete")


def test_a_place_without_a_serial_port_is_refused(lab):
    from codegen.errors import McuforgeError
    lab.client("-p", "ci-noserial", "create")
    lab.client("-p", "ci-noserial", "add-match", "mcuforge-ci/mf-ci-an386/MCUForgeAgent")
    lab.client("-p", "ci-noserial", "set-tags", "board=mps2-an386")
    try:
        with pytest.raises(McuforgeError) as exc:
            _held(lab, "ci-noserial", "mps2-an386")
        assert "place ci-noserial has no serial port (no NetworkSerialPort" in exc.value.message
        assert "mcuforge-ci/mf-ci-an386/MCUForgeAgent/MCUForgeAgent" in exc.value.message
        assert "add-match EXPORTER/GROUP/NetworkSerialPort" in exc.value.hint
        assert lab.holder("ci-noserial") is None  # checked before acquiring: nothing to release
    finally:
        lab.client("-p", "ci-noserial", "delete")


def test_a_place_this_user_holds_already_is_refused_too(lab):
    from codegen.errors import McuforgeError
    lab.client("-p", "ci-an386", "acquire")
    try:
        with pytest.raises(McuforgeError) as exc:
            _held(lab, "ci-an386", "mps2-an386")
        assert "already acquired by you" in exc.value.message and "labgrid-client -p ci-an386 release" in exc.value.hint
    finally:
        lab.client("-p", "ci-an386", "release")


@pytest.mark.slow  # a build and a run of its own; the dispatch to a place is checked below in the default suite
def test_bench_on_a_place_counts_what_local_qemu_counts(lab, tmp_path):
    """`bench --place`: the model measured on the place's board (read from its tag); QEMU behind the
    place runs with -icount like the local bench, so the count equals a local measurement of the same
    build (an equality, not a timing)."""
    from codegen.bench import farm_bench, main_bench_place, measure
    from codegen.boards import load_board
    from codegen.pio.project import BuildOptions
    from support.paths import SHARED_MODELS
    on = farm_bench("ci-l475", lab.coordinator)
    assert (on.board, on.coordinator) == ("stm32l475", lab.coordinator)
    model = SHARED_MODELS / "anomaly_detection.tflite"
    [row] = main_bench_place(on, models=[model], out_md=tmp_path / "bench.md", root=tmp_path / "b")
    assert row.board == "stm32l475" and row.count_unit == "instructions"
    assert lab.holder("ci-l475") is None  # released
    local = measure(load_board("stm32l475"), model, BuildOptions(), tmp_path / "b")  # the same build, local QEMU
    assert row.instructions == local.instructions and row.stack_used_bytes == local.stack_used_bytes
    md = (tmp_path / "bench.md").read_text()
    assert "labgrid place ci-l475" in md and f"| anomaly_detection | 264,192 | {row.instructions:,} |" in md
    assert json.loads((tmp_path / "bench.json").read_text())[0]["instructions"] == row.instructions


def test_scons_bench_on_an_unknown_place_names_the_places(lab):
    res = subprocess.run([*SCONS, "bench", "place=ci-nope", f"coordinator={lab.coordinator}"], capture_output=True,
                         text=True, timeout=300, env=lab.env())  # checked before anything is built
    assert res.returncode != 0 and "Traceback" not in res.stderr
    assert "has no place 'ci-nope'" in res.stderr and "ci-l475" in res.stderr


def test_an_unreachable_coordinator_says_how_to_reach_one():
    from codegen.errors import McuforgeError
    from codegen.hil.farm.client import FarmClient
    from codegen.hil.processes import free_port
    address = f"127.0.0.1:{free_port()}"
    with pytest.raises(McuforgeError) as exc:
        FarmClient(address, timeout=30)
    assert f"cannot reach the labgrid coordinator at {address}" in exc.value.message
    assert "coordinator=HOST:PORT" in exc.value.hint and "LG_COORDINATOR" in exc.value.hint
