"""report.md and its PNG plots for one run: a complete run with a profile and pin widths, a failed
run (the failure first, then what was gathered), and identical files for identical data."""

from __future__ import annotations

from codegen.hil.gpio import PinTiming
from codegen.reports.memory import Breakdown
from codegen.report import BuildReport
from codegen.reports.run_report import write_run_report
from codegen.run import LayerTime, LinkSummary, RunFailure, RunResult, StateStep, Stats

PNG = b"\x89PNG\r\n\x1a\n"

RUN = RunResult(
    board="stm32l475", target="B-L475E-IOT01A on /dev/ttyACM0", driver="device", model="kws.tflite",
    input="kws.samples.npz sample #0", label=3, n=4, counts=(8000, 8010, 7990, 8000), unit="cycles",
    per_tick=1.0, clock_hz=80_000_000, latency_basis="DWT cycle counter at 80 MHz",
    per_inference=Stats.of([8000, 8010, 7990, 8000]), latency_us=Stats.of([100.0, 100.125, 99.875, 100.0]),
    outputs=([[-128, -128, -128, 127]],), outputs_dequantized=([[0.0, 0.0, 0.0, 0.996]],),
    profile=(LayerTime(0, "CONV_2D", "int8[1x8x8x1] -> int8[1x8x8x8]", 4608, 6000, 6000.0),
             LayerTime(1, "FULLY_CONNECTED", "int8[1x64] -> int8[1x4]", 256, 2000, 2000.0)),
    stack_used_bytes=300, stack_size_bytes=4096, link=LinkSummary(12, 1, 1),
    pin=PinTiming(source="logic analyzer fx2lafw D0 at 8 MHz", expected=5, observed=5, order_ok=True,
                  widths_us=(100.5, 100.6, 100.4, 100.5), resolution_us=0.125),
    states=(StateStep("built", "flashed", 2.0, "flashed with stlink"), StateStep("flashed", "running", 0.5, "x")))

BUILD = BuildReport(model="/m/kws.tflite", board="stm32l475", kernel_variant="dsp", macs=4864, n_ops=2,
                    flash_bytes=30_000, ram_bytes=9_000, arena_bytes=2_000, stack_bytes=4096,
                    flash_budget=1 << 20, ram_budget=96 << 10, model_sha256="ab" * 32, mcuforge="0.1.0")

MEMORY = Breakdown(flash=(("weights", 20_000), ("kernels", 6_000), ("runtime", 4_000)),
                   ram=(("stack", 4096), ("runtime", 3000), ("arena", 2000)), largest=())


def test_complete_run_report(tmp_path):
    files = write_run_report(RUN, tmp_path, BUILD, MEMORY)
    md = files.markdown.read_text()
    for section in ("# kws.tflite on stm32l475", "Status: **complete**", "## Outputs", "## Latency",
                    "## Timing pin", "## Per-layer profile", "## Memory", "## Link", "## Target states"):
        assert section in md
    assert "| cycles | 8,000 |" in md and "| µs, timing pin | 100.5 |" in md
    assert "| 0 | CONV_2D | int8[1x8x8x1] -> int8[1x8x8x8] | 4,608 | 6,000 | 75.0% | 0.768 |" in md
    assert "class 3 (0.996)" in md and "| weights | 19.5 KB | - |" in md
    assert [p.name for p in files.plots] == ["latency.png", "layers.png", "memory.png"]
    assert all(p.read_bytes().startswith(PNG) for p in files.plots)
    for p in files.plots:
        assert f"]({p.name})" in md


def test_failed_run_report_leads_with_the_failure(tmp_path):
    failed = RunResult(board="mps2-an386", target="QEMU mps2-an386", n=4, counts=(10, 10, 10, 10),
                       unit="instructions", per_tick=40.0, clock_hz=25_000_000, per_inference=Stats.of([400] * 4),
                       failure=RunFailure(kind="fault", message="the device faulted: hardfault: ...",
                                          fault_kind="hardfault", registers={"pc": 0x134A, "hfsr": 0x40000000},
                                          location="mf_selftest_hardfault+0xa", target_log="qemu says bye"))
    md = write_run_report(failed, tmp_path).markdown.read_text()
    assert md.index("## FAILED") < md.index("## Latency")
    assert "| hfsr | `0x40000000` |" in md and "`mf_selftest_hardfault+0xa`" in md and "qemu says bye" in md


def test_same_data_same_files(tmp_path):
    a = write_run_report(RUN, tmp_path / "a", BUILD, MEMORY)
    b = write_run_report(RUN, tmp_path / "b", BUILD, MEMORY)
    assert a.markdown.read_text() == b.markdown.read_text()
    assert [p.read_bytes() for p in a.plots] == [p.read_bytes() for p in b.plots]
