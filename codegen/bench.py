"""`python -m codegen bench` / `scons bench`: every shared model on the emulated Cortex-M cores,
instructions per inference (QEMU -icount: deterministic), MACs per instruction, code and weights
flash, arena, stack high-water and total RAM; writes BENCHMARKS.md and build/bench.json.

Benchmarks print numbers; nothing here asserts a time.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from codegen.boards import Board, load_board
from codegen.errors import McuforgeError
from codegen.fit import DoesNotFitError
from codegen.hil.records import RunRequest
from codegen.hil.strategy import running
from codegen.pio.project import BUILD_ROOT, BuildOptions, write_project
from codegen.pio.runner import build
from codegen.reference import float_input_ranges, random_inputs
from codegen.report import build_report
from codegen.term import kb, say

REPO = Path(__file__).resolve().parents[1]
SHARED_MODELS = REPO.parent / "shared" / "models"
MLPERF_TINY = ("keyword_spotting", "visual_wake_words", "image_classification", "anomaly_detection")
# (column, board, fallback board when the model does not fit)
CORES = (("Cortex-M4", "stm32l475", "mps2-an386"), ("Cortex-M7", "mps2-an500", None),
         ("Cortex-M33", "mps2-an505", None), ("Cortex-M55", "mps3-an547", None))
# TFLM + CMSIS-NN on QEMU mps2-an386 (../shared/ANCHORS.md): instructions, arena (32-bit build)
ANCHORS = {"keyword_spotting": (7_715_600, 22_944), "visual_wake_words": (24_987_056, 165_344),
           "image_classification": (29_869_656, 54_996), "anomaly_detection": (675_724, 5_616),
           "tflite_micro_speech": (2_397_780, 8_868), "tflite_micro_magic_wand": (604_596, 5_184)}
# TFLM's smallest arena on the x86_64 host build (../shared/models/README.md), for the models ANCHORS.md
# has no 32-bit figure for (64-bit pointers make these somewhat larger than on an MCU)
TFLM_ARENA_X86 = {"audio_example1": 12_808, "image_example1": 72_168, "image_example1.float32": 279_288,
                  "autoencoder_example": 3_656, "autoencoder_example.float32": 3_376}
ARENA_TARGET = 0.75
TARGETS = {"keyword_spotting": 3_860_000, "visual_wake_words": 12_500_000,
           "image_classification": 14_900_000, "anomaly_detection": 340_000}
KWS_CODE_TARGET = 25 * 1024


@dataclass(frozen=True)
class BenchRow:
    model: str
    core: str
    board: str
    options: str
    macs: int
    instructions: int
    macs_per_instruction: float
    code_bytes: int
    weights_bytes: int
    params_bytes: int
    arena_bytes: int
    stack_used_bytes: int
    ram_bytes: int
    flash_bytes: int


def measure(board: Board, model: Path, options: BuildOptions, root: Path, n: int = 3) -> BenchRow:
    project = write_project(board, model, root / board.name / (model.stem + options.variant_suffix()), options)
    art = build(project)
    rep = build_report(project, art.elf)
    m = project.compiled
    request = RunRequest(timeout=120)
    rng = np.random.default_rng(0)
    with running(board, art.elf, request) as s:
        dev = s.device
        if dev.info().sha256 != m.sha256:
            raise McuforgeError("the emulator runs another model", hint="rebuild")
        for k, x in enumerate(random_inputs(m.inputs, rng, float_input_ranges(m.graph))):
            dev.load(k, np.ascontiguousarray(x).tobytes())
        counts = dev.infer(n, warmup=True, timeout=request.timeout)
        stack_used, _ = dev.stack()
        per_tick = s.unit.per_tick
        dev.exit(0, semihost=s.semihost)
    instructions = int(round(float(np.median(counts)) * per_tick))
    return BenchRow(model=model.stem, core="", board=board.name, options=options.variant_suffix().lstrip("-"),
                    macs=m.macs, instructions=instructions, macs_per_instruction=m.macs / instructions,
                    code_bytes=rep.code_bytes, weights_bytes=rep.weights_bytes,
                    params_bytes=rep.params_bytes, arena_bytes=rep.arena_bytes,
                    stack_used_bytes=stack_used, ram_bytes=rep.ram_bytes,
                    flash_bytes=rep.flash_bytes)


def plan(models: list[Path]) -> list[tuple[str, str, str | None, Path, BuildOptions]]:
    jobs = []
    for core, board, fallback in CORES:
        for m in models:
            jobs.append((core, board, fallback, m, BuildOptions()))
    # issue 6: visual_wake_words on the STM32L475 itself, with int8 model I/O
    vww = [m for m in models if m.stem == "visual_wake_words"]
    if vww:
        jobs.append(("Cortex-M4", "stm32l475", None, vww[0], BuildOptions(int8_io=True)))
    return jobs


def run_bench(models: list[Path] | None = None, root: Path = BUILD_ROOT / "bench", n: int = 3) -> list[BenchRow]:
    models = models or sorted(SHARED_MODELS.glob("*.tflite"), key=lambda p: (p.stem not in MLPERF_TINY, p.stem))
    rows: list[BenchRow] = []
    jobs = plan(models)
    start = time.monotonic()
    for k, (core, board_name, fallback, model, options) in enumerate(jobs, 1):
        board = load_board(board_name)
        try:
            row = measure(board, model, options, root, n)
        except DoesNotFitError:
            if fallback is None:
                say(f"  [{k}/{len(jobs)}] {model.stem} does not fit {board_name}: skipped")
                continue
            row = measure(load_board(fallback), model, options, root, n)
        row = BenchRow(**{**asdict(row), "core": core})
        rows.append(row)
        say(f"  [{k}/{len(jobs)}] {core:10s} {row.board:12s} {model.stem:28s} {row.options or '-':7s} "
            f"{row.instructions:>12,} instr  {row.macs_per_instruction:5.2f} MAC/instr  "
            f"arena {kb(row.arena_bytes)}  ({time.monotonic() - start:.0f} s)")
    return rows


def _m(x: int) -> str:
    return f"{x / 1e6:.2f}M"


def render(rows: list[BenchRow], command: str) -> str:
    out = ["# mcuforge benchmarks", "",
           f"Regenerate with `{command}` (writes this file and `build/bench.json`).", "",
           "Emulated boards under QEMU 10 with `-icount shift=0`: counts are guest *instructions* per inference "
           "(deterministic), measured with the SysTick counter around each `invoke` after one warm-up, median of "
           "3 inferences on a random input. Code flash = all of `.text`/`.rodata`/`.data` except the model's "
           "constant data (startup, runtime, protocol, kernels, per-layer parameter structs and newlib included); "
           "model data = weights and biases + quantisation data derived from the model (per-channel multipliers, "
           "requantisation records, lookup tables), what TFLM keeps in its flatbuffer. RAM = `.data` + `.bss` "
           "(arena, protocol buffers) + the stack reservation; stack = painted-stack high-water mark.", ""]
    m4 = [r for r in rows if r.core == "Cortex-M4"]
    if m4:
        out += ["## Against TFLM + CMSIS-NN (Cortex-M4, ../shared/ANCHORS.md)", "",
                "| model | MACs | TFLM+CMSIS-NN instr | mcuforge instr | speed-up | target | met | TFLM arena | mcuforge arena | ratio |",
                "|---|---|---|---|---|---|---|---|---|---|"]
        for r in m4:
            if r.model not in ANCHORS or r.options:
                continue
            ti, ta = ANCHORS[r.model]
            tgt = TARGETS.get(r.model)
            met = "-" if tgt is None else ("yes" if r.instructions <= tgt else "no")
            out.append(f"| {r.model} | {r.macs:,} | {_m(ti)} | {_m(r.instructions)} | {ti / r.instructions:.2f}x | "
                       f"{_m(tgt) if tgt else '-'} | {met} | {ta:,} | {r.arena_bytes:,} | {r.arena_bytes / ta:.2f} |")
        out += ["", "### Arena against TFLM on every shared model (target: at most 0.75x)", "",
                "| model | TFLM arena | mcuforge arena | ratio | met |", "|---|---|---|---|---|"]
        for r in m4:
            if r.options:
                continue
            if r.model in ANCHORS:
                ta, note = ANCHORS[r.model][1], "32-bit"
            elif r.model in TFLM_ARENA_X86:
                ta, note = TFLM_ARENA_X86[r.model], "x86_64 host"
            else:
                continue
            out.append(f"| {r.model} | {ta:,} ({note}) | {r.arena_bytes:,} | {r.arena_bytes / ta:.2f} | "
                       f"{'yes' if r.arena_bytes <= ARENA_TARGET * ta else 'no'} |")
        kws = [r for r in m4 if r.model == "keyword_spotting" and not r.options]
        if kws:
            k = kws[0]
            out += ["", f"keyword_spotting code flash: {k.code_bytes:,} B ({kb(k.code_bytes)}; target <= 25 KB: "
                        f"{'met' if k.code_bytes <= KWS_CODE_TARGET else 'missed'}; TFLM+CMSIS-NN library code 81.9 KB)."]
        vww = [r for r in m4 if r.model == "visual_wake_words" and r.board == "stm32l475"]
        if vww:
            out += [f"visual_wake_words on the STM32L475 (96 KB SRAM1): arena {vww[0].arena_bytes:,} B, RAM "
                    f"{vww[0].ram_bytes:,} B with `{vww[0].options or 'default'}` options."]
        out.append("")
    for core in dict.fromkeys(r.core for r in rows):
        out += [f"## {core}", "",
                "| model | board | options | MACs | instructions | MACs/instr | code flash | model data | arena | stack | RAM |",
                "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in rows:
            if r.core != core:
                continue
            out.append(f"| {r.model} | {r.board} | {r.options or '-'} | {r.macs:,} | {r.instructions:,} | "
                       f"{r.macs_per_instruction:.3f} | {kb(r.code_bytes)} | {kb(r.weights_bytes + r.params_bytes)} | "
                       f"{kb(r.arena_bytes)} | {kb(r.stack_used_bytes)} | {kb(r.ram_bytes)} |")
        out.append("")
    return "\n".join(out)


def main_bench(out_md: Path = REPO / "BENCHMARKS.md", out_json: Path = BUILD_ROOT / "bench.json",
               models: list[Path] | None = None, command: str = "python -m codegen bench") -> list[BenchRow]:
    say(f"benchmarking {len(models or list(SHARED_MODELS.glob('*.tflite')))} models on {len(CORES)} emulated cores")
    rows = run_bench(models)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    out_md.write_text(render(rows, command))
    say(f"wrote {out_md} and {out_json}")
    return rows
