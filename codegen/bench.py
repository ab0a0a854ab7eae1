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
from codegen.hil.records import RunRequest, TargetKind
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
class FarmBench:
    """`bench place=NAME`: the benchmark on a labgrid place, on the board the place holds."""

    place: str
    coordinator: str           # HOST:PORT
    board: str                 # the place's board tag (or the hardware map's)
    core: str                  # that board's core, the rows' column

    @property
    def request(self) -> RunRequest:
        return RunRequest(target=TargetKind.LABGRID, place=self.place, coordinator=self.coordinator, timeout=120)


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
    count_unit: str = "instructions"  # what `instructions` counts: QEMU's instructions, or a board's cycles


def measure(board: Board, model: Path, options: BuildOptions, root: Path, n: int = 3,
            request: RunRequest = RunRequest(timeout=120)) -> BenchRow:
    """One model on one board: built, run on `request`'s target (QEMU by default, or a farm's place)."""
    project = write_project(board, model, root / board.name / (model.stem + options.variant_suffix()), options)
    art = build(project)
    rep = build_report(project, art.elf)
    m = project.compiled
    rng = np.random.default_rng(0)
    with running(board, art.elf, request) as s:
        dev = s.device
        if dev.info().sha256 != m.sha256:
            raise McuforgeError(f"{s.description} runs another model", hint="rebuild")
        for k, x in enumerate(random_inputs(m.inputs, rng, float_input_ranges(m.graph))):
            dev.load(k, np.ascontiguousarray(x).tobytes())
        counts = dev.infer(n, warmup=True, timeout=request.timeout)
        stack_used, _ = dev.stack()
        unit = s.unit
        dev.exit(0, semihost=s.semihost)
    instructions = int(round(float(np.median(counts)) * unit.per_tick))
    return BenchRow(model=model.stem, core="", board=board.name, options=options.variant_suffix().lstrip("-"),
                    macs=m.macs, instructions=instructions, macs_per_instruction=m.macs / instructions,
                    code_bytes=rep.code_bytes, weights_bytes=rep.weights_bytes,
                    params_bytes=rep.params_bytes, arena_bytes=rep.arena_bytes,
                    stack_used_bytes=stack_used, ram_bytes=rep.ram_bytes,
                    flash_bytes=rep.flash_bytes, count_unit=unit.name)


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


def shared_models() -> list[Path]:
    return sorted(SHARED_MODELS.glob("*.tflite"), key=lambda p: (p.stem not in MLPERF_TINY, p.stem))


def run_bench(models: list[Path] | None = None, root: Path = BUILD_ROOT / "bench", n: int = 3,
              on: FarmBench | None = None) -> list[BenchRow]:
    """Every job of the plan on QEMU, or with `on`, every model on the board a farm's place holds."""
    models = models or shared_models()
    rows: list[BenchRow] = []
    jobs = plan(models) if on is None else [(on.core, on.board, None, m, BuildOptions()) for m in models]
    request = RunRequest(timeout=120) if on is None else on.request
    start = time.monotonic()
    for k, (core, board_name, fallback, model, options) in enumerate(jobs, 1):
        board = load_board(board_name)
        try:
            row = measure(board, model, options, root, n, request)
        except DoesNotFitError:
            if fallback is None:
                say(f"  [{k}/{len(jobs)}] {model.stem} does not fit {board_name}: skipped")
                continue
            row = measure(load_board(fallback), model, options, root, n, request)
        row = BenchRow(**{**asdict(row), "core": core})
        rows.append(row)
        say(f"  [{k}/{len(jobs)}] {core:10s} {row.board:12s} {model.stem:28s} {row.options or '-':7s} "
            f"{row.instructions:>12,} {row.count_unit[:5]}  {row.macs_per_instruction:5.2f} MAC/{row.count_unit[:5]}  "
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
    say(f"benchmarking {len(models or shared_models())} models on {len(CORES)} emulated cores")
    rows = run_bench(models)
    out_json.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    out_md.write_text(render(rows, command))
    say(f"wrote {out_md} and {out_json}")
    return rows


def render_place(rows: list[BenchRow], on: FarmBench, command: str) -> str:
    unit = rows[0].count_unit if rows else "instructions"
    out = [f"# mcuforge benchmarks on labgrid place {on.place}", "",
           f"Regenerate with `{command}`. Board {on.board} ({on.core}) held by place {on.place} of the coordinator at "
           f"{on.coordinator}; counts are {unit} per inference (median of 3 after one warm-up, random input; "
           "an emulated place counts QEMU's instructions, a real board its cycles). Columns as in BENCHMARKS.md.", "",
           f"| model | MACs | {unit} | MAC/{unit[:5]} | code flash | model data | arena | stack used | RAM |",
           "|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r.model} | {r.macs:,} | {r.instructions:,} | {r.macs_per_instruction:.2f} | {kb(r.code_bytes)} | "
                   f"{kb(r.weights_bytes + r.params_bytes)} | {kb(r.arena_bytes)} | {kb(r.stack_used_bytes)} | "
                   f"{kb(r.ram_bytes)} |")
    return "\n".join(out) + "\n"


def farm_bench(place: str, coordinator: str | None = None) -> FarmBench:
    """The place to bench on, with the board it holds (read from the coordinator; nothing acquired yet)."""
    from codegen.hil.farm.client import coordinator_address, place_board
    address = coordinator_address(coordinator)
    board = load_board(place_board(address, place))
    return FarmBench(place=place, coordinator=address, board=board.name, core=board.core.name)


def main_bench_place(on: FarmBench, models: list[Path] | None = None, out_md: Path | None = None,
                     command: str = "python -m codegen bench --place PLACE", root: Path | None = None) -> list[BenchRow]:
    """`bench place=NAME`: the shared models (or `models`) on the place's board; writes
    build/bench-PLACE.md and .json (BENCHMARKS.md stays the emulated cores' table). The place is
    acquired for each model's run and released after it."""
    models = models or shared_models()
    say(f"benchmarking {len(models)} models on labgrid place {on.place} ({on.board})")
    rows = run_bench(models, root=root or BUILD_ROOT / "bench-place" / on.place, on=on)
    out_md = out_md or BUILD_ROOT / f"bench-{on.place}.md"
    out_json = out_md.with_suffix(".json")
    out_md.parent.mkdir(parents=True, exist_ok=True)
    out_json.write_text(json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    out_md.write_text(render_place(rows, on, command))
    say(f"wrote {out_md} and {out_json}")
    return rows
