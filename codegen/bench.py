"""`python -m codegen bench` / `scons bench`: every shared model on the emulated Cortex-M cores,
instructions per inference (QEMU -icount: deterministic), MACs per instruction (per model and per
operator type), code and weights flash, arena, stack high-water and total RAM; writes BENCHMARKS.md,
its record BENCHMARKS.json (the numbers README's performance table is rendered from: `python -m codegen
docs`) and BENCHMARKS.html.

Benchmarks print numbers; nothing here asserts a time.
"""

from __future__ import annotations

import json
import tempfile
import time
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Sequence

import numpy as np

from codegen.boards import Board, load_board
from codegen.errors import McuforgeError
from codegen.files import write_text_atomic
from codegen.fit import DoesNotFitError
from codegen.hil.records import RunRequest, TargetKind
from codegen.hil.strategy import running
from codegen.peakram import ModelRam, PeakRam, StackSource
from codegen.options.records import MemoryMode
from codegen.pio.project import BUILD_ROOT, BuildOptions, write_project
from codegen.pio.runner import build
from codegen.reference import float_input_ranges, random_inputs
from codegen.cycles.costs import cost_table
from codegen.cycles.estimate import timed_windows
from codegen.cycles.plugin import WindowReader
from codegen.report import build_report
from codegen.run import cycle_probe
from codegen.reports import plots
from codegen.reports.html import Fact, Figure, Link, Page, Section, Table, Tone, Verdict, markdown_link, write_html
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
# TFLM + CMSIS-NN's executed instructions (the anchor runs above) weighted by the same Cortex-M4 cost model
# (boards/timing/cortex-m4.toml): ../shared/ANCHORS.md, "Where mcuforge stands". Estimates, like ours.
TFLM_ESTIMATED_CYCLES_M4 = {"keyword_spotting": 9_270_000, "visual_wake_words": 30_840_000,
                            "image_classification": 36_780_000, "anomaly_detection": 853_000}


@dataclass(frozen=True)
class Published:
    """A published MLPerf Tiny result: latency measured on silicon (../shared/ANCHORS.md)."""

    system: str
    board: str
    mhz: int
    ms: dict[str, float]


# per core column: measured on real boards (flash wait states, caches, ART accelerator): not estimates
PUBLISHED = {
    "Cortex-M4": (Published("X-CUBE-AI 10.2 (MLPerf Tiny v1.3)", "STM32L4R5", 120,
                            {"keyword_spotting": 43.4, "visual_wake_words": 89.4, "image_classification": 165.7,
                             "anomaly_detection": 4.79}),
                  Published("microTVM + CMSIS-NN (v1.0)", "STM32L4R5", 120,
                            {"keyword_spotting": 99.8, "visual_wake_words": 301.2, "image_classification": 389.6,
                             "anomaly_detection": 8.6})),
    "Cortex-M7": (Published("X-CUBE-AI 9.0", "STM32H7A3", 280,
                            {"keyword_spotting": 11.3, "visual_wake_words": 23.8, "image_classification": 40.8,
                             "anomaly_detection": 1.23}),),
    "Cortex-M33": (Published("X-CUBE-AI 10.2 (v1.3)", "STM32U575", 160,
                             {"keyword_spotting": 29.0, "visual_wake_words": 59.3, "image_classification": 109.5,
                              "anomaly_detection": 3.21}),),
}


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
    estimated_cycles: int | None = None   # an estimate: instruction classes x `timing` (codegen.cycles)
    timing: str = ""                      # the core's timing table (boards/timing/<timing>.toml)
    op_types: tuple[OpTypeCount, ...] = ()
    scratch_bytes: int | None = None      # kernel scratch in static storage (report.json; None: a record
    state_bytes: int | None = None        # the model's runtime state            from before they were kept)
    recomputed_macs: int = 0              # MACs patch-based inference computes again (memory=ram rows)

    @property
    def peak_ram(self) -> PeakRam | None:
        """The model's peak RAM with the stack high-water this run measured (codegen/peakram.py); None
        for a row recorded before scratch and state were."""
        if self.scratch_bytes is None or self.state_bytes is None:
            return None
        return ModelRam(self.arena_bytes, self.scratch_bytes, self.state_bytes).peak(self.stack_used_bytes,
                                                                                     StackSource.MEASURED)

    @property
    def peak_ram_text(self) -> str:
        p = self.peak_ram
        return "-" if p is None else kb(p.total)


def op_types(steps, counts: list[int], per_tick: float) -> tuple[OpTypeCount, ...]:
    """Per operator type (in order of first appearance): operators, MACs, instructions."""
    acc: dict[str, list[int]] = {}
    for step, c in zip(steps, counts):
        a = acc.setdefault(step.opcode, [0, 0, 0])
        a[0] += 1
        a[1] += step.macs
        a[2] += int(round(c * per_tick))
    return tuple(OpTypeCount(op, n, macs, instr) for op, (n, macs, instr) in acc.items())


def measure(board: Board, model: Path, options: BuildOptions, root: Path, n: int = 3,
            request: RunRequest = RunRequest(timeout=120)) -> BenchRow:
    """One model on one board: built, run on `request`'s target (QEMU by default, or a farm's place)."""
    project = write_project(board, model, root / board.name / (model.stem + options.variant_suffix()), options)
    art = build(project)
    rep = build_report(project, art.elf)
    m = project.compiled
    probe = cycle_probe(board, art.elf) if request.target != TargetKind.LABGRID else None  # QEMU here only
    request = replace(request, boot_timeout=120, cycles=probe)  # a loaded machine boots QEMU slowly
    rng = np.random.default_rng(0)
    estimated = None
    with running(board, art.elf, request) as s:
        dev = s.device
        if dev.info().sha256 != m.sha256:
            raise McuforgeError(f"{s.description} runs another model", hint="rebuild")
        for k, x in enumerate(random_inputs(m.inputs, rng, float_input_ranges(m.graph))):
            dev.load(k, np.ascontiguousarray(x).tobytes())
        counts = dev.infer(n, warmup=True, timeout=request.timeout)
        per_tick = s.unit.per_tick
        if s.cycles is not None and board.core.timing:  # the inferences' windows, before the profile's
            windows = timed_windows(WindowReader(s.cycles.out), [c * per_tick for c in counts], per_tick,
                                    "inference", request.timeout, written=n + 1)
            table = cost_table(board.core.timing)
            estimated = int(round(float(np.median([table.cycles(w.total) for w in windows]))))
        profile = dev.profile(timeout=request.timeout)
        stack_used, _ = dev.stack()
        unit = s.unit
        dev.exit(0, semihost=s.semihost)
    instructions = int(round(float(np.median(counts)) * unit.per_tick))
    return BenchRow(model=model.stem, core="", board=board.name, options=options.variant_suffix().lstrip("-"),
                    macs=m.macs, instructions=instructions, macs_per_instruction=m.macs / instructions,
                    code_bytes=rep.code_bytes, weights_bytes=rep.weights_bytes,
                    params_bytes=rep.params_bytes, arena_bytes=rep.arena_bytes,
                    stack_used_bytes=stack_used, ram_bytes=rep.ram_bytes,
                    flash_bytes=rep.flash_bytes, estimated_cycles=estimated, timing=board.core.timing or "",
                    count_unit=unit.name, op_types=op_types(m.steps, profile, per_tick),
                    scratch_bytes=rep.scratch_bytes, state_bytes=rep.state_bytes,
                    recomputed_macs=m.recomputed_macs)


def plan(models: list[Path]) -> list[tuple[str, str, str | None, Path, BuildOptions]]:
    jobs = []
    for core, board, fallback in CORES:
        for m in models:
            jobs.append((core, board, fallback, m, BuildOptions()))
    # issue 6: visual_wake_words on the STM32L475 itself, with int8 model I/O
    vww = [m for m in models if m.stem == "visual_wake_words"]
    if vww:
        jobs.append(("Cortex-M4", "stm32l475", None, vww[0], BuildOptions(int8_io=True)))
    # issue 15: memory=ram (patch-based inference as far as it lowers RAM) on the Cortex-M4, for the
    # models where it changes the plan; the trade-off table sets these rows beside the default ones
    m4 = [job for job in jobs if job[0] == CORES[0][0]]
    for core, board, fallback, m, options in m4:
        ram = replace(options, memory=MemoryMode.RAM)
        if patched_with(m, board, ram):
            jobs.append((core, board, fallback, m, ram))
    return jobs


def patched_with(model: Path, board: str, options: BuildOptions) -> bool:
    """Whether `options` make the planner run part of `model` patch by patch on `board` (compiled only)."""
    from codegen.generate import GenerateOptions, compile_model
    from codegen.kernels import generator_target
    from codegen.pio.project import kernel_variant
    b = load_board(board)
    target = generator_target(kernel_variant(b, options), b.core.target)
    return bool(compile_model(model, target=target,
                              options=GenerateOptions(int8_io=options.int8_io, memory=options.memory)).patches)


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
        row = replace(row, core=core)
        rows.append(row)
        say(f"  [{k}/{len(jobs)}] {core:10s} {row.board:12s} {model.stem:28s} {row.options or '-':7s} "
            f"{row.instructions:>12,} {row.count_unit[:5]}  {_est(row.estimated_cycles):>12} est. cycles  "
            f"{row.macs_per_instruction:5.2f} MAC/{row.count_unit[:5]}  "
            f"arena {kb(row.arena_bytes)}  ({time.monotonic() - start:.0f} s)")
    return rows


def _m(x: int) -> str:
    return f"{x / 1e6:.2f}M"


def _est(x: int | None) -> str:
    return "-" if x is None else f"{x:,}"


def estimated_section(rows: list[BenchRow]) -> list[str]:
    """Estimated cycles against TFLM + CMSIS-NN's estimate (M4), and published silicon latencies beside them."""
    est = [r for r in rows if r.estimated_cycles and not r.options and r.model in MLPERF_TINY]
    if not est:
        return []
    out = ["## Estimated cycles (estimates, not measurements)", "",
           "QEMU counts instructions; the cycle plugin (tools/qemu-plugin) counts them by class, and each core's "
           "timing table (boards/timing/<core>.toml, from Arm's Technical Reference Manuals, sources cited per "
           "entry) turns the classes into an **estimated** cycle count for zero-wait-state memory. The tables say "
           "what they ignore: flash wait states, bus contention, register-dependency stalls, the Cortex-M7's dual "
           "issue, the Cortex-M55's beat overlap. Compare estimates with estimates.", ""]
    m4 = [r for r in est if r.core == "Cortex-M4" and r.model in TFLM_ESTIMATED_CYCLES_M4]
    if m4:
        out += ["### Cortex-M4: mcuforge against TFLM + CMSIS-NN, both through the same cost model", "",
                "| model | mcuforge instr | mcuforge est. cycles | est. cycles per instr | TFLM+CMSIS-NN est. cycles "
                "(ANCHORS.md) | ratio |", "|---|---|---|---|---|---|"]
        for r in m4:
            t = TFLM_ESTIMATED_CYCLES_M4[r.model]
            out.append(f"| {r.model} | {_m(r.instructions)} | {_m(r.estimated_cycles or 0)} | "
                       f"{(r.estimated_cycles or 0) / r.instructions:.2f} | {_m(t)} | {(r.estimated_cycles or 0) / t:.2f} |")
        out.append("")
    pub = [r for r in est if r.core in PUBLISHED]
    if pub:
        out += ["### Published MLPerf Tiny latencies on silicon, beside our estimates", "",
                "The published figures are **measured on real boards** (flash wait states, caches, the flash "
                "accelerator), ours are **estimates** converted to milliseconds at that board's clock: they are not "
                "like for like (ANCHORS.md: TFLM+CMSIS-NN's estimate is ~1.3x below microTVM+CMSIS-NN's measured "
                "cycles on the M4).", "",
                "| core | model | mcuforge est. cycles | mcuforge est. ms at that clock | published system | board, clock | "
                "published ms (measured) | published cycles (ms x clock) |", "|---|---|---|---|---|---|---|---|"]
        for r in pub:
            for p in PUBLISHED[r.core]:
                if r.model not in p.ms:
                    continue
                out.append(f"| {r.core} | {r.model} | {_m(r.estimated_cycles or 0)} | "
                           f"{(r.estimated_cycles or 0) / (p.mhz * 1e3):.2f} | {p.system} | {p.board}, {p.mhz} MHz | "
                           f"{p.ms[r.model]:g} | {_m(int(round(p.ms[r.model] * p.mhz * 1e3)))} |")
        out.append("")
    return out


@dataclass(frozen=True)
class BenchRecord:
    """What one bench run measured, as BENCHMARKS.json holds it: the tables of BENCHMARKS.md and README's
    performance section are rendered from it (python -m codegen docs)."""

    rows: tuple[BenchRow, ...]
    command: str = "python -m codegen bench"

    def to_json(self) -> dict:
        return {"command": self.command, "rows": [asdict(r) for r in self.rows]}

    @staticmethod
    def from_json(d: dict) -> "BenchRecord":
        rows = tuple(BenchRow(**{**r, "op_types": tuple(OpTypeCount(**t) for t in r.get("op_types", ()))})
                     for r in d["rows"])
        return BenchRecord(rows, str(d.get("command", "python -m codegen bench")))


def read_record(path: Path) -> BenchRecord:
    try:
        return BenchRecord.from_json(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise McuforgeError(f"{path}: not a benchmark record ({type(exc).__name__}: {exc})",
                            hint="run the benchmark again: python -m codegen bench") from None


def anchors_table(rows: Sequence[BenchRow]) -> Table:
    """The Cortex-M4 rows against TFLM + CMSIS-NN (../shared/ANCHORS.md): instructions, speed-up, the
    target, arenas."""
    out = []
    for r in rows:
        if r.core != "Cortex-M4" or r.model not in ANCHORS or r.options:
            continue
        ti, ta = ANCHORS[r.model]
        tgt = TARGETS.get(r.model)
        met = "-" if tgt is None else ("yes" if r.instructions <= tgt else "no")
        out.append((r.model, f"{r.macs:,}", _m(ti), _m(r.instructions), f"{ti / r.instructions:.2f}x",
                    _m(tgt) if tgt else "-", met, f"{ta:,}", f"{r.arena_bytes:,}", f"{r.arena_bytes / ta:.2f}"))
    return Table(("model", "MACs", "TFLM+CMSIS-NN instr", "mcuforge instr", "speed-up", "target", "met",
                  "TFLM arena", "mcuforge arena", "ratio"), tuple(out))


def tflm_arena(model: str) -> tuple[int, str] | None:
    """TFLM's arena for a model and where the figure comes from (32-bit, or the x86_64 host build)."""
    if model in ANCHORS:
        return ANCHORS[model][1], "32-bit"
    if model in TFLM_ARENA_X86:
        return TFLM_ARENA_X86[model], "x86_64 host"
    return None


def arena_table(rows: Sequence[BenchRow]) -> Table:
    out = []
    for r in rows:
        t = tflm_arena(r.model)
        if r.core != "Cortex-M4" or r.options or t is None:
            continue
        ta, note = t
        out.append((r.model, f"{ta:,} ({note})", f"{r.arena_bytes:,}", f"{r.arena_bytes / ta:.2f}",
                    "yes" if r.arena_bytes <= ARENA_TARGET * ta else "no"))
    return Table(("model", "TFLM arena", "mcuforge arena", "ratio", "met"), tuple(out))


def core_table(rows: Sequence[BenchRow], core: str) -> Table:
    return Table(("model", "board", "options", "MACs", "instructions", "est. cycles", "MACs/instr", "code flash",
                  "model data", "arena", "stack", "peak RAM", "RAM"),
                 tuple((r.model, r.board, r.options or "-", f"{r.macs:,}", f"{r.instructions:,}",
                        _est(r.estimated_cycles), f"{r.macs_per_instruction:.3f}", kb(r.code_bytes),
                        kb(r.weights_bytes + r.params_bytes),
                        kb(r.arena_bytes), kb(r.stack_used_bytes), r.peak_ram_text, kb(r.ram_bytes))
                       for r in rows if r.core == core),
                 "lll")


def peak_ram_table(rows: Sequence[BenchRow]) -> Table:
    """What each model costs in RAM (the Cortex-M4 rows): arena + static kernel scratch + the stack's
    measured high-water + the model's state = peak RAM; the firmware's static RAM (the harness's
    buffers included) beside it. "-": a row recorded before scratch and state were (bench again)."""
    def n(x: int | None) -> str:
        return "-" if x is None else f"{x:,}"
    return Table(("model", "board", "options", "arena", "scratch", "stack high-water", "state", "peak RAM",
                  "firmware RAM"),
                 tuple((r.model, r.board, r.options or "-", n(r.arena_bytes), n(r.scratch_bytes), n(r.stack_used_bytes),
                        n(r.state_bytes), n(r.peak_ram.total if r.peak_ram else None), n(r.ram_bytes))
                       for r in rows if r.core == "Cortex-M4"), "lll")


def memory_table(rows: Sequence[BenchRow]) -> Table:
    """memory=ram beside the default (balanced) build of the same model on the Cortex-M4: the
    instructions patch-based inference adds and the peak RAM it saves, both measured."""
    ram = f"mem{MemoryMode.RAM.value}"
    out = []
    for r in rows:
        parts = r.options.split("-")
        if r.core != "Cortex-M4" or ram not in parts:
            continue
        same = "-".join(p for p in parts if p != ram)  # the same build but for the memory option
        base = next((b for b in rows if b.core == r.core and b.model == r.model and b.options == same), None)
        if base is None or base.peak_ram is None or r.peak_ram is None:
            continue
        before, after = base.peak_ram.total, r.peak_ram.total
        out.append((r.model, r.board, same or "-", f"{base.instructions:,}", f"{r.instructions:,}",
                    f"{r.instructions / base.instructions:.2f}x", f"{before:,}", f"{after:,}",
                    f"{after / before:.2f}x", f"{r.recomputed_macs:,} ({r.recomputed_macs / r.macs:.0%})"))
    return Table(("model", "board", "options", "instructions (default)", "instructions (memory=ram)", "instructions ratio",
                  "peak RAM (default)", "peak RAM (memory=ram)", "peak RAM ratio", "recomputed MACs"),
                 tuple(out), "lll")


MEMORY = ("`memory=ram` runs the memory-heavy first stage of the model patch by patch (row bands with their "
          "receptive-field halo; codegen/planner/patches.py) as far as it lowers peak RAM; the default "
          "(`balanced`) patches only a model that would not fit its board otherwise, and `speed` never. Models "
          "not listed: `memory=ram` changes nothing in them (the bench compiles each and keeps those it patches). "
          "Peak RAM in bytes, as above; recomputed MACs = the halos' work done twice, against the model's MACs.")


PEAK_RAM = ("Peak RAM = arena + kernel scratch in static storage + the stack's painted high-water (measured) + the "
            "model's runtime state: what the model costs in a firmware (codegen/peakram.py; `inspect` shows when "
            "it peaks). Firmware RAM = `.data` + `.bss` + the stack reservation, the harness's buffers (input "
            "staging, protocol buffers, C library) included. Bytes.")


METHOD = ("Emulated boards under QEMU 10 with `-icount shift=0`: counts are guest *instructions* per inference "
          "(deterministic), measured with the SysTick counter around each `invoke` after one warm-up, median of "
          "3 inferences on a random input. Code flash = all of `.text`/`.rodata`/`.data` except the model's "
          "constant data (startup, runtime, protocol, kernels, per-layer parameter structs and newlib included); "
          "model data = weights and biases + quantisation data derived from the model (per-channel multipliers, "
          "requantisation records, lookup tables), what TFLM keeps in its flatbuffer. RAM = `.data` + `.bss` "
          "(arena, protocol buffers) + the stack reservation; stack = painted-stack high-water mark; peak RAM = "
          "arena + static kernel scratch + stack high-water + the model's state (the harness's buffers left out).")


def _notes(m4: Sequence[BenchRow]) -> list[str]:
    out = []
    kws = [r for r in m4 if r.model == "keyword_spotting" and not r.options]
    if kws:
        k = kws[0]
        out.append(f"keyword_spotting code flash: {k.code_bytes:,} B ({kb(k.code_bytes)}; target <= 25 KB: "
                   f"{'met' if k.code_bytes <= KWS_CODE_TARGET else 'missed'}; TFLM+CMSIS-NN library code 81.9 KB).")
    vww = [r for r in m4 if r.model == "visual_wake_words" and r.board == "stm32l475"]
    if vww:
        out.append(f"visual_wake_words on the STM32L475 (96 KB SRAM1): arena {vww[0].arena_bytes:,} B, RAM "
                   f"{vww[0].ram_bytes:,} B with `{vww[0].options or 'default'}` options.")
    return out


def render(rows: list[BenchRow], command: str, html_name: str = "") -> str:
    out = ["# mcuforge benchmarks", "",
           f"Regenerate with `{command}` (writes this file, its record `BENCHMARKS.json` and `BENCHMARKS.html`)."]
    if html_name:
        out += ["", markdown_link(html_name)]
    out += ["", METHOD, ""]
    m4 = [r for r in rows if r.core == "Cortex-M4"]
    if m4:
        out += ["## Against TFLM + CMSIS-NN (Cortex-M4, ../shared/ANCHORS.md)", ""] + anchors_table(rows).markdown()
        out += ["", "### Arena against TFLM on every shared model (target: at most 0.75x)", ""]
        out += arena_table(rows).markdown()
        notes = _notes(m4)
        if notes:
            out += ["", notes[0]] + notes[1:]
        out += [""] + _op_type_table(m4) + [""] + _stack_table(m4)
        out += ["", "### Peak RAM (Cortex-M4)", "", PEAK_RAM, ""] + peak_ram_table(rows).markdown()
        mem = memory_table(rows)
        if mem.rows:
            out += ["", "### Trading instructions for RAM: memory=ram (Cortex-M4)", "", MEMORY, ""] + mem.markdown()
        out.append("")
    out += estimated_section(rows)
    for core in dict.fromkeys(r.core for r in rows):
        timing = next((r.timing for r in rows if r.core == core and r.timing), "")
        out += [f"## {core}", ""]
        if timing:
            out += [f"est. cycles: an **estimate** (instruction classes x boards/timing/{timing}.toml), not a "
                    "measurement.", ""]
        out += core_table(rows, core).markdown() + [""]
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


def bench_page(rows: Sequence[BenchRow], command: str, plot_dir: Path, md_name: str, json_name: str) -> Page:
    """BENCHMARKS.html: targets met first, then instructions per core, against TFLM, and the arena."""
    m4 = [r for r in rows if r.core == "Cortex-M4" and not r.options]
    speed = [(r, TARGETS[r.model]) for r in m4 if r.model in TARGETS]
    met = sum(1 for r, t in speed if r.instructions <= t)
    arenas = [(r, tflm_arena(r.model)) for r in m4]
    arena_ok = sum(1 for r, t in arenas if t is not None and r.arena_bytes <= ARENA_TARGET * t[0])
    arena_n = sum(1 for _, t in arenas if t is not None)
    good = met == len(speed) and arena_ok == arena_n
    verdict = Verdict(f"{met} of {len(speed)} speed targets met" if speed else "measured",
                      Tone.GOOD if good else Tone.WARN,
                      f"arena at most {ARENA_TARGET:g}x TFLM's on {arena_ok} of {arena_n} models" if arena_n else "")
    cores = list(dict.fromkeys(r.core for r in rows))
    facts = [Fact("measured", f"{len({r.model for r in rows})} models", f"on {len(cores)} emulated cores: "
                  + ", ".join(cores))]
    vs = [(ANCHORS[r.model][0] / r.instructions, r.model) for r in m4 if r.model in ANCHORS]
    if vs:
        lo, hi = min(vs), max(vs)
        facts.append(Fact("speed-up against TFLM + CMSIS-NN", f"{lo[0]:.2f}x to {hi[0]:.2f}x",
                          f"Cortex-M4, instructions per inference ({lo[1]} to {hi[1]})"))
    if arena_n:
        worst = max((r.arena_bytes / t[0], r.model) for r, t in arenas if t is not None)
        facts.append(Fact("arena against TFLM", f"at most {worst[0]:.2f}x", f"worst: {worst[1]}"))
    kws = [r for r in m4 if r.model == "keyword_spotting"]
    if kws:
        facts.append(Fact("keyword_spotting code flash", kb(kws[0].code_bytes),
                          "target <= 25 KB: " + ("met" if kws[0].code_bytes <= KWS_CODE_TARGET else "missed"),
                          Tone.GOOD if kws[0].code_bytes <= KWS_CODE_TARGET else Tone.BAD))
    models = list(dict.fromkeys(r.model + (f" ({r.options})" if r.options else "") for r in rows))

    def value(core: str, label: str, attr: str) -> float | None:
        return next((float(getattr(r, attr)) for r in rows if r.core == core
                     and r.model + (f" ({r.options})" if r.options else "") == label), None)
    figures = [Figure.png(plots.grouped_bars(models, [(c, [value(c, m, "instructions") for m in models]) for c in cores],
                                             "instructions", plot_dir / "instructions.png",
                                             title="instructions per inference", log=True),
                          "instructions per inference per model and core",
                          "Instructions per inference, per model and core (log scale)")]
    anchored = [r for r in m4 if r.model in ANCHORS]
    if anchored:
        names = [r.model for r in anchored]
        figures.append(Figure.png(plots.grouped_bars(
            names, [("TFLM + CMSIS-NN", [float(ANCHORS[n][0]) for n in names]),
                    ("mcuforge", [float(r.instructions) for r in anchored])], "instructions",
            plot_dir / "tflm.png", title="Cortex-M4: against TFLM + CMSIS-NN (dotted: the target)", log=True,
            target=[float(TARGETS[n]) if n in TARGETS else None for n in names]),
            "instructions against TFLM", "Cortex-M4 instructions per inference against TFLM + CMSIS-NN; dotted: the "
                                         "target"))
    with_arena = [(r, t) for r, t in arenas if t is not None]
    if with_arena:
        names = [r.model for r, _ in with_arena]
        figures.append(Figure.png(plots.grouped_bars(
            names, [("TFLM", [float(t[0]) for _, t in with_arena]),
                    ("mcuforge", [float(r.arena_bytes) for r, _ in with_arena])], "bytes", plot_dir / "arena.png",
            title=f"arena against TFLM (dotted: {ARENA_TARGET:g}x TFLM's)",
            target=[ARENA_TARGET * t[0] for _, t in with_arena]),
            "arena against TFLM", f"Arena bytes against TFLM's; dotted: the target, {ARENA_TARGET:g}x TFLM's"))
    sections = []
    if m4:
        sections += [Section("Against TFLM + CMSIS-NN", ("Cortex-M4, ../shared/ANCHORS.md.",), (anchors_table(rows),)),
                     Section("Arena against TFLM", (f"Target: at most {ARENA_TARGET:g}x.", *(n.replace("`", "") for n in _notes(
                         [r for r in rows if r.core == "Cortex-M4"]))), (arena_table(rows),)),
                     Section("Peak RAM", (PEAK_RAM.replace("`", ""),), (peak_ram_table(rows),))]
        mem = memory_table(rows)
        if mem.rows:
            sections.append(Section("Trading instructions for RAM: memory=ram", (MEMORY.replace("`", ""),), (mem,)))
    sections += [Section(core, (), (core_table(rows, core),)) for core in cores]
    return Page(kind="bench", title="mcuforge benchmarks", subtitle=f"regenerate with {command}", verdict=verdict,
                facts=tuple(facts), plots=tuple(figures), sections=tuple(sections),
                notes=(METHOD.replace("`", "").replace("*", ""),),
                links=(Link(md_name, md_name), Link(json_name, json_name)))


def write_bench(record: BenchRecord, out_md: Path) -> tuple[Path, Path, Path]:
    """<out_md> (Markdown), its record <stem>.json and <stem>.html beside it, from a record."""
    out_md = Path(out_md)
    out_json, out_html = out_md.with_suffix(".json"), out_md.with_suffix(".html")
    write_text_atomic(out_json, json.dumps(record.to_json(), indent=2) + "\n")
    write_text_atomic(out_md, render(list(record.rows), record.command, out_html.name))
    with tempfile.TemporaryDirectory(prefix="mf-bench-plots-") as tmp:
        write_html(bench_page(record.rows, record.command, Path(tmp), out_md.name, out_json.name), out_html)
    return out_md, out_json, out_html


def main_bench(out_md: Path = REPO / "BENCHMARKS.md", models: list[Path] | None = None,
               command: str = "python -m codegen bench") -> list[BenchRow]:
    say(f"benchmarking {len(models or shared_models())} models on {len(CORES)} emulated cores")
    rows = run_bench(models)
    md, js, html = write_bench(BenchRecord(tuple(rows), command), out_md)
    say(f"wrote {md} and {js}")
    say(f"html report {html} (one file, plots included: open it in a browser)")
    return rows


def render_place(rows: list[BenchRow], on: FarmBench, command: str) -> str:
    unit = rows[0].count_unit if rows else "instructions"
    out = [f"# mcuforge benchmarks on labgrid place {on.place}", "",
           f"Regenerate with `{command}`. Board {on.board} ({on.core}) held by place {on.place} of the coordinator at "
           f"{on.coordinator}; counts are {unit} per inference (median of 3 after one warm-up, random input; "
           "an emulated place counts QEMU's instructions, a real board its cycles). Columns as in BENCHMARKS.md.", "",
           f"| model | MACs | {unit} | MAC/{unit[:5]} | code flash | model data | arena | stack used | peak RAM | RAM |",
           "|---|---|---|---|---|---|---|---|---|---|"]
    for r in rows:
        out.append(f"| {r.model} | {r.macs:,} | {r.instructions:,} | {r.macs_per_instruction:.2f} | {kb(r.code_bytes)} | "
                   f"{kb(r.weights_bytes + r.params_bytes)} | {kb(r.arena_bytes)} | {kb(r.stack_used_bytes)} | "
                   f"{r.peak_ram_text} | {kb(r.ram_bytes)} |")
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
    write_text_atomic(out_json, json.dumps([asdict(r) for r in rows], indent=2) + "\n")
    write_text_atomic(out_md, render_place(rows, on, command))
    say(f"wrote {out_md} and {out_json}")
    return rows
