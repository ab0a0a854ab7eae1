"""Typed records of every report kind, as the run layer makes them, for the report tests: a run on a
real board with a profile and a timing pin, its build, memory and memory map, a validation that
broke off with mismatches, two variants of a model, and benchmark rows."""

from __future__ import annotations

from dataclasses import replace

from codegen.bench import BenchRow
from codegen.hil.gpio import PinTiming
from codegen.peakram import TimelinePoint
from codegen.report import BuildReport, RegionUse
from codegen.reports.compare import Variant
from codegen.reports.memory import Block, Breakdown, MemoryMap, RegionMap
from codegen.run import LayerTime, LinkSummary, RunFailure, RunResult, StateStep, Stats
from codegen.validate import Mismatch, OutputStats, Validation

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

# the same build with its memory timeline (what build_report records): 2 operators, the peak at the first
BUILD_TIMELINE = replace(BUILD, timeline=(TimelinePoint("0", "CONV_2D", 576, 1_984), TimelinePoint("1", "FULLY_CONNECTED",
                                                                                                   520, 528)),
                         peak_step=0, scratch_bytes=256, state_bytes=16)

MEMORY = Breakdown(flash=(("weights", 20_000), ("kernels", 6_000), ("runtime", 4_000)),
                   ram=(("stack", 4096), ("runtime", 3000), ("arena", 2000)), largest=())

LAYOUT = MemoryMap((
    RegionMap("flash", 0x0800_0000, 1 << 20, (
        Block(0x0800_0000, 4_000, "harness code & data", (("runtime", 4_000),)),
        Block(0x0800_0FA0, 6_000, "kernels", (("kernels", 6_000),)),
        Block(0x0800_2710, 20_000, "weights & params", (("weights", 18_000), ("params", 2_000))))),
    RegionMap("ram", 0x2000_0000, 96 << 10, (
        Block(0x2000_0000, 3_000, "protocol buffers", (("protocol buffers", 3_000),)),
        Block(0x2000_0BB8, 2_000, "arena", (("arena", 2_000),)),
        Block(0x2001_7000, 4096, "stack", (("stack", 4096),)))),
    RegionMap("sram2", 0x1000_0000, 32 << 10, ())))



FAILED_RUN = RunResult(board="mps2-an386", target="QEMU mps2-an386", n=4, counts=(10, 10, 10, 10),
                       unit="instructions", per_tick=40.0, clock_hz=25_000_000, per_inference=Stats.of([400] * 4),
                       failure=RunFailure(kind="fault", message="the device faulted: hardfault: ...",
                                          fault_kind="hardfault", registers={"pc": 0x134A, "hfsr": 0x40000000},
                                          location="mf_selftest_hardfault+0xa", target_log="qemu says bye"))

VALIDATION = Validation(
    board="stm32l475", model="kws.tflite", sha256="ab" * 32, target="qemu", samples=7, requested=20, mismatches=2,
    max_abs_diff=3.0, bit_exact=False, within_tolerance=False,
    outputs=(OutputStats("Identity", "int8", (1, 12), 0.0039, 2, 3, 3.0, 0.01, 0.0117, 6, 7),),
    failures=(Mismatch(2, 0, 3.0, 5, 12.0, 9.0), Mismatch(5, 0, 1.0, 0, -3.0, -4.0)), device_correct=5,
    reference_correct=6, labelled=7, unit="instructions", latency=Stats.of([3_690_288.0] * 7),
    error=RunFailure(kind="timeout", message="no answer to infer within 20 s", ended="killed by SIGKILL",
                     target_log="qemu-system-arm: terminating on signal 9"), seconds=12.5)

BUILD_WITH_REGIONS = BuildReport(
    model="/m/kws.tflite", board="stm32l475", kernel_variant="dsp", macs=2_656_768, n_ops=15, flash_bytes=58_000,
    ram_bytes=21_000, arena_bytes=11_344, stack_bytes=4096, flash_budget=1 << 20, flash_origin=0x0800_0000,
    ram_budget=128 << 10, ram_regions=(RegionUse("ram", 21_000, 96 << 10, 0x2000_0000),
                                       RegionUse("sram2", 0, 32 << 10, 0x1000_0000)), model_sha256="ab" * 32)

INT8 = Variant(name="int8", board="mps2-an386", flash_bytes=20_480, ram_bytes=8_192, arena_bytes=1_024,
               latency=400_000, unit="instructions", latency_us=16_000.0, accuracy=0.95, reference_accuracy=0.95,
               bit_exact=True, macs=10_240)
FP32 = Variant(name="float32", board="mps2-an386", flash_bytes=51_200, ram_bytes=16_384, arena_bytes=4_096,
               latency=1_200_000, unit="instructions", latency_us=48_000.0, accuracy=0.96, reference_accuracy=0.96,
               bit_exact=False, within_tolerance=True)


def bench_rows() -> tuple[BenchRow, ...]:
    """Two models on two cores (numbers of the right magnitude, not measurements)."""
    out = []
    for core, board, scale in (("Cortex-M4", "stm32l475", 1.0), ("Cortex-M7", "mps2-an500", 0.97)):
        for model, macs, instr, arena in (("keyword_spotting", 2_656_768, 2_820_350, 10_480),
                                          ("visual_wake_words", 7_489_664, 8_802_360, 110_592)):
            n = int(instr * scale)
            out.append(BenchRow(model=model, core=core, board=board, options="", macs=macs, instructions=n,
                                macs_per_instruction=macs / n, code_bytes=24_678, weights_bytes=24_320,
                                params_bytes=9_664, arena_bytes=arena, stack_used_bytes=2_600, ram_bytes=arena + 9_000,
                                flash_bytes=58_662))
    return tuple(out)
