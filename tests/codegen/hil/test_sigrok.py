"""Logic-analyzer timing: synthetic captures with known pulses, written as sigrok session files and
VCD and read back through Debian's sigrok-cli 0.7; a real acquisition from sigrok's `demo` driver;
and the `run` option that captures during the timed inferences (analyzer from the hardware map)."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pytest

from codegen.errors import McuforgeError
from codegen.hil.records import RunRequest
from codegen.hil.hwmap import parse_hardware_map
from codegen.hil.sigrok import (Capture, LogicAnalyzer, parse_vcd, read_edges, synthetic_levels, write_sr,
                                write_vcd)
from codegen.run import default_inputs, layers_of, logic_pin_timing, run_firmware
from support.paths import DEFAULT_MODEL

pytestmark = pytest.mark.skipif(shutil.which("sigrok-cli") is None, reason="sigrok-cli is not installed")

RATE = 4_000_000  # 0.25 us per sample
WIDTHS = [120e-6, 250e-6, 1.5e-3, 37.5e-6]


def _capture(tmp_path, kind: str):
    lv = synthetic_levels(WIDTHS, [200e-6, 90e-6, 400e-6, 50e-6], RATE, lead_s=30e-6, tail_s=20e-6)
    other = np.roll(lv, 7) ^ 1  # a second channel that must not leak into D0's analysis
    chans = {"D0": other, "D1": lv}
    return (write_sr if kind == "sr" else write_vcd)(tmp_path / f"cap.{kind}", RATE, chans)


@pytest.mark.parametrize("kind", ["sr", "vcd"])
def test_synthetic_capture_widths_are_exact(tmp_path, kind):
    trace = read_edges(_capture(tmp_path, kind), "D1")
    widths = [p.width for p in trace.pulses()]
    assert widths == pytest.approx(WIDTHS, abs=0.5 / RATE)
    assert trace.resolution == pytest.approx(1 / RATE)


def test_sigrok_cli_reads_the_generated_session_file(tmp_path):
    """The .sr writer makes what sigrok-cli itself accepts (and converts to CSV)."""
    sr = _capture(tmp_path, "sr")
    show = subprocess.run(["sigrok-cli", "-i", str(sr), "--show"], capture_output=True, text=True, timeout=30)
    assert "Samplerate: 4000000" in show.stdout and "D1: logic" in show.stdout
    csv = subprocess.run(["sigrok-cli", "-i", str(sr), "-O", "csv"], capture_output=True, text=True, timeout=30)
    rows = [ln for ln in csv.stdout.splitlines() if ln and ln[0] in "01"]
    assert len(rows) == len(synthetic_levels(WIDTHS, [200e-6, 90e-6, 400e-6, 50e-6], RATE, 30e-6, 20e-6))


def test_csv_input_through_sigrok_cli(tmp_path):
    """Any format sigrok-cli reads works: here its CSV input module (a column captioned D0)."""
    csv = tmp_path / "cap.csv"
    lv = synthetic_levels([10e-6, 30e-6], 20e-6, 1_000_000, lead_s=5e-6, tail_s=5e-6)
    csv.write_text("D0\n" + "\n".join(str(int(v)) for v in lv) + "\n")
    trace = read_edges(csv, "D0", input_format="csv:samplerate=1000000")
    assert [p.width for p in trace.pulses()] == pytest.approx([10e-6, 30e-6], abs=1e-9)


def test_vcd_parser_handles_scaled_timescales():
    text = "$timescale 10 ns $end\n$var wire 1 ! D0 $end\n$enddefinitions $end\n#0 0!\n#5 1!\n#105 0!\n#200\n"
    t = parse_vcd(text, "D0")
    assert [(p.start, p.width) for p in t.pulses()] == [(pytest.approx(50e-9), pytest.approx(1e-6))]
    with pytest.raises(McuforgeError, match="no channel 'D3'"):
        parse_vcd(text, "D3")


def test_pulse_timing_pairs_widths_with_the_timed_inferences(tmp_path):
    """warm-up + 3 timed inferences: 4 pulses, the last 3 are reported beside the counts."""
    lv = synthetic_levels([2e-3, 1e-3, 1.001e-3, 0.999e-3], 0.5e-3, 1_000_000, lead_s=1e-3, tail_s=1e-3)
    cap = write_sr(tmp_path / "pin.sr", 1_000_000, {"D2": lv})
    la = LogicAnalyzer(driver="demo", channel="D2", samplerate=1_000_000)
    pin = logic_pin_timing(la, cap, n=3, warmup=True)
    assert pin.ok and pin.observed == 4
    assert pin.widths_us == pytest.approx((1000.0, 1001.0, 999.0), abs=1.0)
    short = logic_pin_timing(la, cap, n=5, warmup=True)
    assert not short.ok and "expected 6" in short.note


def test_demo_driver_acquisition(tmp_path):
    """A real sigrok-cli acquisition, started and stopped the way `run` does it."""
    la = LogicAnalyzer(driver="demo", channel="D1", samplerate=100_000, arm_seconds=0.2)
    cap = Capture(la, tmp_path / "demo.sr")
    path = cap.stop(timeout=10)
    trace = read_edges(path, "D1")
    assert trace.end > 0.05 and len(trace.pulses()) > 10  # the demo pattern toggles D1


def test_bad_driver_fails_clearly(tmp_path):
    with pytest.raises(McuforgeError, match="sigrok-cli"):
        Capture(LogicAnalyzer(driver="no-such-driver", channel="D0", arm_seconds=0.3), tmp_path / "x.sr").stop(5)


def test_run_captures_the_pin_with_the_analyzer_from_the_hardware_map(an386_fw, tmp_path):
    """The whole option on QEMU: the analyzer (sigrok's demo driver here: no hardware) is started
    around the timed inferences; its pulses land in the result beside the counts. The demo pattern
    is not the device's pin, so the count check must say so rather than pass."""
    hw = parse_hardware_map(tmp_path / "hw.toml", """
[[target]]
board = "mps2-an386"
[target.logic]
driver = "demo"
channel = "D1"
samplerate = 200000
arm_seconds = 0.2
""")
    project, fw = an386_fw
    m = project.compiled
    res = run_firmware(project.board, fw, m.sha256, m.inputs, m.outputs, default_inputs(DEFAULT_MODEL, m.inputs),
                       n=3, macs=m.macs, request=RunRequest(target="emulator", timeout=10), layers=layers_of(m),
                       logic=hw.logic_for("mps2-an386"), capture=tmp_path / "pin.sr", profile=False)
    assert (tmp_path / "pin.sr").is_file() and res.pin is not None
    assert res.pin.source == "logic analyzer demo D1 at 200 kHz" and res.pin.resolution_us == pytest.approx(5.0)
    assert res.pin.observed > 0 and not res.pin.ok and "expected 4" in res.pin.note
    assert len(res.counts) == 3
