"""`python -m codegen bench` / `scons bench`: every shared model on the emulated Cortex-M cores,
instructions per inference (QEMU -icount: deterministic), MACs per instruction (per model and per
operator type), code and weights flash, arena, stack high-water and total RAM; writes BENCHMARKS.md
and build/bench.json.

Benchmarks print numbers; nothing here asserts a time.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, replace
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
# instructions per inference on the emulated Cortex-M4 (issue 19; ../shared/ANCHORS.md "Our targets")
TARGETS = {"keyword_spotting": 3_000_000, "visual_wake_words": 9_000_000,
           "image_classification": 12_500_000, "anomaly_detection": 290_000}
KWS_CODE_TARGET = 25 * 1024
DEPTHWISE_TARGET = 0.6   # MACs per instruction of keyword_spotting's DEPTHWISE_CONV_2D
STACK_TARGET = 1300      # bytes of stack high-water on keyword_spotting and visual_wake_words (issue 15)
STACK_TARGET_MODELS = ("keyword_spotting", "visual_wake_words")


@dataclass(frozen=True)
class OpTypeCount:
    """One operator type of a model's inference: how many operators, their MACs and instructions
    (from the per-operator profile)."""

    op: str
    count: int
    macs: int
    instructions: int

    @property
    def macs_per_instruction(self) -> float:
        return self.macs / self.instructions if self.instructions else 0.0


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
    op_types: tuple[OpTypeCount, ...] = ()


def op_types(steps, counts: list[int], per_tick: float) -> tuple[OpTypeCount, ...]:
    """Per operator type (in order of first appearance): operators, MACs, instructions."""
    acc: dict[str, list[int]] = {}
    for step, c in zip(steps, counts):
        a = acc.setdefault(step.opcode, [0, 0, 0])
        a[0] += 1
        a[1] += step.macs
        a[2] += int(round(c * per_tick))
    return tuple(OpTypeCount(op, n, macs, instr) for op, (n, macs, instr) in acc.items())


def measure(board: Board, model: Path, options: BuildOptions, root: Path, n: int = 3) -> BenchRow:
    project = write_project(board, model, root / board.name / (model.stem + options.variant_suffix()), options)
    art = build(project)
    rep = build_report(project, art.elf)
    m = project.compiled
    request = RunRequest(timeout=120, boot_timeout=120)  # a loaded machine boots QEMU slowly
    rng = np.random.default_rng(0)
    with running(board, art.elf, request) as s:
        dev = s.device
        if dev.info().sha256 != m.sha256:
            raise McuforgeError("the emulator runs another model", hint="rebuild")
        for k, x in enumerate(random_inputs(m.inputs, rng, float_input_ranges(m.graph))):
            dev.load(k, np.ascontiguousarray(x).tobytes())
        counts = dev.infer(n, warmup=True, timeout=request.timeout)
        profile = dev.profile(timeout=request.timeout)
        stack_used, _ = dev.stack()
        per_tick = s.unit.per_tick
        dev.exit(0, semihost=s.semihost)
    instructions = int(round(float(np.median(counts)) * per_tick))
    return BenchRow(model=model.stem, core="", board=board.name, options=options.variant_suffix().lstrip("-"),
                    macs=m.macs, instructions=instructions, macs_per_instruction=m.macs / instructions,
                    code_bytes=rep.code_bytes, weights_bytes=rep.weights_bytes,
                    params_bytes=rep.params_bytes, arena_bytes=rep.arena_bytes,
                    stack_used_bytes=stack_used, ram_bytes=rep.ram_bytes,
                    flash_bytes=rep.flash_bytes, op_types=op_types(m.steps, profile, per_tick))


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
        row = replace(row, core=core)
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
        out += [""] + _op_type_table(m4) + [""] + _stack_table(m4)
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


def _op_type_table(rows: list[BenchRow]) -> list[str]:
    """MACs per instruction by operator type, per model (default options), from the per-operator
    profile; the share is of the operators' instructions."""
    out = ["### MACs per instruction by operator type (Cortex-M4)", "",
           "Instructions from the per-operator profile (`profile` over the protocol: each operator run "
           "alone, SysTick ticks converted to instructions).", "",
           "| model | operator | ops | MACs | instructions | MACs/instr | share |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        if r.options or not r.op_types:
            continue
        total = sum(t.instructions for t in r.op_types) or 1
        for t in sorted(r.op_types, key=lambda t: -t.instructions):
            mpi = f"{t.macs_per_instruction:.3f}" if t.macs else "-"
            out.append(f"| {r.model} | {t.op} | {t.count} | {t.macs:,} | {t.instructions:,} | {mpi} | "
                       f"{100 * t.instructions / total:.1f}% |")
    dw = [t for r in rows if r.model == "keyword_spotting" and not r.options for t in r.op_types
          if t.op == "DEPTHWISE_CONV_2D"]
    if dw:
        met = "met" if dw[0].macs_per_instruction >= DEPTHWISE_TARGET else "missed"
        out += ["", f"keyword_spotting DEPTHWISE_CONV_2D: {dw[0].macs_per_instruction:.3f} MACs per instruction "
                    f"(target >= {DEPTHWISE_TARGET}: {met})."]
    return out


def _stack_table(rows: list[BenchRow]) -> list[str]:
    """The painted-stack high-water of each model (the firmware's whole stack: runtime, protocol and
    kernels) against the target where there is one."""
    out = ["### Stack high-water (Cortex-M4)", "",
           f"TFLM + CMSIS-NN: about 1.2 KB (../shared/ANCHORS.md). Target: at most {STACK_TARGET:,} B on "
           f"{' and '.join(STACK_TARGET_MODELS)}.", "",
           "| model | board | options | stack high-water | target | met |", "|---|---|---|---|---|---|"]
    for r in rows:
        tgt = STACK_TARGET if r.model in STACK_TARGET_MODELS else None
        met = "-" if tgt is None else ("yes" if r.stack_used_bytes <= tgt else "no")
        out.append(f"| {r.model} | {r.board} | {r.options or '-'} | {r.stack_used_bytes:,} B | "
                   f"{f'{tgt:,} B' if tgt else '-'} | {met} |")
    return out


def main_bench(out_md: Path = REPO / "BENCHMARKS.md", out_json: Path = BUILD_ROOT / "bench.json",
               models: list[Path] | None = None, command: str = "python -m codegen bench") -> list[BenchRow]:
    say(f"benchmarking {len(models or list(SHARED_MODELS.glob('*.tflite')))} models on {len(CORES)} emulated cores")
    rows = run_bench(models)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    out_md.write_text(render(rows, command))
    say(f"wrote {out_md} and {out_json}")
    return rows
