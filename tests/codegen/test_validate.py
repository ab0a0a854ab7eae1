"""`scons test`: N inputs on the target against TFLM, on the host board and on the emulated Cortex-M4:
per-output statistics, junit.xml, accuracy with labels, a non-zero exit on mismatch, and the files
written even when the session breaks part-way."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest

import codegen.validate as validate_mod
from codegen.hil.dut import Device
from codegen.options import TargetOptions, ValidateOptions
from codegen.validate import validate, validate_and_show
from support.firmware import built
from support.paths import DEFAULT_MODEL, ROOT

SAMPLES = DEFAULT_MODEL.with_suffix(".samples.npz")


@pytest.fixture(scope="module")
def build_root(tmp_path_factory):
    return tmp_path_factory.mktemp("validate-build")  # private: nobody else relinks or runs these files


@pytest.fixture(scope="module")
def host_project(build_root):
    return built("host", DEFAULT_MODEL, root=build_root)[0]


@pytest.fixture(scope="module")
def an386_project(build_root):
    return built("mps2-an386", DEFAULT_MODEL, root=build_root)[0]


def _junit(project) -> ET.Element:
    return ET.parse(project.dir / "junit.xml").getroot()


def test_host_with_labels(host_project):
    v = validate(host_project, ValidateOptions(samples=12, data=SAMPLES), progress=False)
    assert v.passed and v.bit_exact and v.samples == 12 and v.labelled == 12
    d = json.loads((host_project.dir / "validate.json").read_text())
    assert d["samples"] == 12 and d["bit_exact"] and d["mismatches"] == 0 and d["max_abs_diff"] == 0
    assert d["complete"] and d["passed"] and d["error"] is None
    out = d["outputs"][0]
    assert out["dtype"] == "int8" and out["shape"] == [1, 10] and out["top1_agreement"] == 1.0
    assert out["mean_abs_diff"] == 0 and out["samples"] == 12
    assert 0.8 <= d["accuracy"]["device"] == d["accuracy"]["reference"]
    assert d["latency"]["unit"] == "ns"
    suite = _junit(host_project)
    assert suite.get("tests") == "12" and suite.get("failures") == "0" and suite.get("errors") == "0"
    props = {p.get("name"): p.get("value") for p in suite.iter("property")}
    assert props["board"] == "host" and float(props["accuracy_device"]) == d["accuracy"]["device"]


def test_emulated_board_random_inputs(an386_project):
    v = validate(an386_project, ValidateOptions(samples=6, seed=3), progress=False)
    assert v.passed and v.bit_exact and v.labelled == 0
    d = json.loads((an386_project.dir / "validate.json").read_text())
    assert d["target"] == "qemu" and d["latency"]["unit"] == "instructions" and d["latency"]["p50"] > 10_000
    assert "accuracy" not in d
    assert len(_junit(an386_project).findall("testcase")) == 6


def test_mismatch_fails_with_details(host_project, monkeypatch, capsys):
    real = validate_mod.TflmReference

    class Perturbed:
        """TFLM, except that sample 2's output is off by 3 in element 4."""

        def __init__(self, model) -> None:
            self.inner, self.calls = real(model), 0

        def run(self, xs):
            out = self.inner.run(xs)
            if self.calls == 2:
                out = [np.array(o, copy=True) for o in out]
                out[0].reshape(-1)[4] += 3
            self.calls += 1
            return out

    monkeypatch.setattr(validate_mod, "TflmReference", Perturbed)
    rc = validate_and_show(host_project, ValidateOptions(samples=5, data=SAMPLES))
    assert rc == 1
    assert "MISMATCH: 4/5 samples agree" in capsys.readouterr().out
    d = json.loads((host_project.dir / "validate.json").read_text())
    assert d["mismatches"] == 1 and not d["bit_exact"] and not d["passed"] and d["complete"]
    f = d["failures"][0]
    assert f["sample"] == 2 and f["first_index"] == 4 and f["max_abs_diff"] == 3
    assert f["reference"] - f["device"] == 3
    assert d["outputs"][0]["mismatched_samples"] == 1 and d["outputs"][0]["mismatched_elements"] == 1
    suite = _junit(host_project)
    assert suite.get("failures") == "1"
    failed = [tc for tc in suite.findall("testcase") if tc.find("failure") is not None]
    assert [tc.get("name") for tc in failed] == ["sample_00002"]
    assert "device" in failed[0].find("failure").text


def test_a_fault_mid_session_still_writes_what_was_compared(an386_project, monkeypatch):
    calls = {"n": 0}
    real_results = Device.results

    def results(self, index, nbytes):
        calls["n"] += 1
        if calls["n"] == 3:
            self.selftest("hardfault", timeout=5)
        return real_results(self, index, nbytes)

    monkeypatch.setattr(Device, "results", results)
    rc = validate_and_show(an386_project, ValidateOptions(samples=6, data=SAMPLES, target=TargetOptions(timeout=5)))
    assert rc == 1
    d = json.loads((an386_project.dir / "validate.failed.json").read_text())  # beside the last complete one
    assert d["samples"] == 2 and d["requested"] == 6 and not d["complete"] and not d["passed"]
    assert d["error"]["kind"] == "fault" and d["error"]["fault_kind"] == "hardfault"
    assert d["error"]["location"].startswith("mf_selftest_hardfault")
    suite = _junit(an386_project)
    assert suite.get("errors") == "1" and suite.get("skipped") == "1"  # junit lists what ran: 2 samples
    not_run = [tc for tc in suite.findall("testcase") if tc.get("name") == "samples_not_run"][0]
    assert "4 of 6 requested samples did not run" in not_run.find("skipped").get("message")
    session = [tc for tc in suite.findall("testcase") if tc.get("name") == "session"][0]
    assert session.find("error").get("type") == "fault" and "hfsr=0x40000000" in session.find("error").text


def test_bad_data_is_refused_before_the_target_starts(host_project, tmp_path):
    bad = tmp_path / "bad.npz"
    np.savez(bad, x=np.zeros((3, 5), np.int8))
    from codegen.errors import McuforgeError
    with pytest.raises(McuforgeError, match="does not split into inputs"):
        validate(host_project, ValidateOptions(samples=2, data=bad), progress=False)


def test_scons_test_exit_status(tmp_path):
    """The command line: exit 0 when bit-exact, non-zero when the run cannot be done."""
    scons = [sys.executable, "-m", "SCons", f"build_dir={tmp_path}"]  # a private build: no shared binary
    ok = subprocess.run([*scons, "board=host", "test", "samples=4", f"data={SAMPLES}"], cwd=ROOT,
                        capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout[-2000:] + ok.stderr[-2000:]
    assert "bit-exact: 4/4 samples agree" in ok.stdout
    assert json.loads((tmp_path / "host" / "digits_cnn" / "validate.json").read_text())["passed"]
    bad = subprocess.run([*scons, "board=host", "test", "samples=4", "data=/nonexistent.npz"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert bad.returncode != 0 and "data file not found" in bad.stderr


def test_junit_lists_what_ran_and_ctrl_c_stops_promptly(host_project, monkeypatch):
    """samples=2000000 stopped by Ctrl-C after 3: junit.xml holds the 3 that ran and one case counting
    the rest (never 2M skipped cases); validate.failed.json records the interruption; the last
    complete validate.json stays."""
    validate(host_project, ValidateOptions(samples=2, data=SAMPLES), progress=False)
    complete = (host_project.dir / "validate.json").read_bytes()
    real = validate_mod.TflmReference

    class Interrupted:
        def __init__(self, model) -> None:
            self.inner, self.calls = real(model), 0

        def run(self, xs):
            self.calls += 1
            if self.calls == 4:
                raise KeyboardInterrupt
            return self.inner.run(xs)

    monkeypatch.setattr(validate_mod, "TflmReference", Interrupted)
    v = validate(host_project, ValidateOptions(samples=2_000_000, data=SAMPLES), progress=False)
    assert v.samples == 3 and v.requested == 2_000_000 and v.error.kind == "interrupted" and not v.passed
    assert (host_project.dir / "validate.json").read_bytes() == complete
    d = json.loads((host_project.dir / "validate.failed.json").read_text())
    assert d["samples"] == 3 and d["error"]["kind"] == "interrupted" and not d["complete"]
    suite = _junit(host_project)
    names = [tc.get("name") for tc in suite.findall("testcase")]
    assert names == ["sample_00000", "sample_00001", "sample_00002", "session", "samples_not_run"]
    assert suite.get("tests") == "5" and suite.get("skipped") == "1" and suite.get("errors") == "1"
    assert (host_project.dir / "junit.xml").stat().st_size < 20_000
    monkeypatch.setattr(validate_mod, "TflmReference", real)
    validate(host_project, ValidateOptions(samples=2, data=SAMPLES), progress=False)
    assert not (host_project.dir / "validate.failed.json").exists()  # the failure no longer describes the build


def test_validation_round_trips_through_its_json(host_project):
    from codegen.validate import read_validation
    v = validate(host_project, ValidateOptions(samples=3, data=SAMPLES), progress=False)
    assert read_validation(host_project.dir / "validate.json") == v


def test_data_out_of_the_input_range_is_refused_not_reported_bit_exact(host_project, tmp_path):
    """int32 values of 1000 for the int8 input used to wrap and come out 'bit-exact'."""
    bad = tmp_path / "wide.npz"
    np.savez(bad, x=np.full((4, 8, 8, 1), 1000, np.int32))
    from codegen.errors import McuforgeError
    with pytest.raises(McuforgeError, match="outside the range of the model's input"):
        validate(host_project, ValidateOptions(samples=2, data=bad), progress=False)
