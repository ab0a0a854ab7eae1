"""One trial, end to end: train (:mod:`codegen.tune.train`), quantise with :func:`codegen.prep.quantize.quantize`
(full int8, int8 model I/O, calibrated on the first training samples), generate the project and check
that it fits the board (:func:`codegen.pio.project.write_project` runs the fit check: a model that
cannot fit is rejected there, before any compiler runs) and the budget (a model whose weights alone
exceed the flash budget, or whose arena alone exceeds the RAM budget, is rejected too), then build it,
run it on the board and validate it over the whole validation set in ONE target session
(:func:`codegen.validate.validate`: every sample's outputs against TFLM's, its top-1 against the label,
its instruction or cycle count: accuracy on device and latency from the same run).

Every trial builds in the same project directory (a *build slot* held by one process at a time): the
runtime, board support and kernels compile once, later trials recompile only the model's files.
A trial's own files stay in ``trials/NNNN/`` of the study directory: the float Keras model, the float32
and int8 ``.tflite``, and the build's ``report.json`` and ``validate.json``.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Mapping

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.options import TargetOptions
from codegen.prep.data import Samples
from codegen.tune.data import TuneData
from codegen.tune.distill import Teacher
from codegen.tune.families import Scalar
from codegen.tune.records import Limit, Objective, TrialRecord, TrialState
from codegen.tune.space import Space

if TYPE_CHECKING:
    from codegen.fit import FitEstimate
    from codegen.lowering import CompiledModel
    from codegen.report import BuildReport

CALIBRATION_SAMPLES = 300
MODEL = "model.keras"
FLOAT_TFLITE = "model_f32.tflite"
INT8_TFLITE = "model_int8.tflite"
KEPT = ("report.json", "validate.json")


@dataclass(frozen=True)
class TrialContext:
    """What every trial of a study shares."""

    space: Space
    data: TuneData
    teacher: Teacher | None
    board: Board
    limits: tuple[Limit, ...]
    directory: Path               # the study directory
    val_file: Path                # the validation set as validate reads it (x, y)
    target: TargetOptions = TargetOptions()

    def trial_dir(self, number: int, plain: bool = False) -> Path:
        return self.directory / "trials" / (f"{number:04d}" + ("-plain" if plain else ""))


class BuildSlot:
    """A project directory one process holds (an flock on ``slot.lock``) for all its trials."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.dir: Path | None = None
        self._lock: IO[str] | None = None

    def __enter__(self) -> "BuildSlot":
        self.root.mkdir(parents=True, exist_ok=True)
        for k in range(64):
            d = self.root / f"slot-{k}"
            d.mkdir(exist_ok=True)
            f = open(d / "slot.lock", "w")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                continue
            f.write(f"{socket.gethostname()} {os.getpid()}\n")
            f.flush()
            self.dir, self._lock = d, f
            return self
        raise McuforgeError(f"all 64 build slots under {self.root} are in use", hint="run fewer tune processes at once")

    def __exit__(self, *exc: object) -> None:
        if self._lock is not None:
            self._lock.close()  # releases the lock
            self._lock = None


class Stopwatch:
    """Seconds per stage of a trial."""

    def __init__(self) -> None:
        self.t = time.monotonic()
        self._laps: list[tuple[str, float]] = []

    def lap(self, name: str | None = None) -> None:
        now = time.monotonic()
        if name is not None:
            self._laps.append((name, now - self.t))
        self.t = now

    @property
    def laps(self) -> tuple[tuple[str, float], ...]:
        return tuple(self._laps)


def latency_ms(value: float, unit: str, board: Board) -> float | None:
    """A per-inference count in the run's unit as milliseconds (QEMU instructions at 1 per cycle and
    hardware cycles at the board's clock, as `run` reports them)."""
    if unit == "ns":
        return value / 1e6
    return value / board.cpu_hz * 1e3 if board.cpu_hz else None


def save_model(model: object, path: Path) -> None:
    from codegen.prep.source import quiet_native
    path.parent.mkdir(parents=True, exist_ok=True)
    with quiet_native():
        model.save(path)  # type: ignore[attr-defined]


def _budget_rejection(ctx: TrialContext, m: CompiledModel, fit: FitEstimate) -> str:
    """Why a generated model cannot meet the budget, from what its firmware holds for sure (no build
    needed): its weights and quantisation parameters in flash; its peak RAM (the number the trial
    records, known before the build: arena + static scratch + the reserved stack + state)."""
    flash = m.weights_bytes + m.params_bytes
    ram = fit.peak.total
    for lim in ctx.limits:
        if lim.objective == Objective.FLASH and flash / 1024 > lim.value:
            return (f"flash: its weights and quantisation parameters alone are {flash / 1024:.1f} KB, "
                    f"over flash_kb={lim.value:g} ({lim.source})")
        if lim.objective == Objective.RAM and ram / 1024 > lim.value:
            return (f"RAM: its peak RAM is {ram / 1024:.1f} KB ({fit.peak.describe()}), over "
                    f"ram_kb={lim.value:g} ({lim.source})")
    return ""


def run_trial(ctx: TrialContext, slot: Path, number: int, values: Mapping[str, Scalar], distilled: bool,
              stage: Callable[[str], None] = lambda _: None) -> TrialRecord:
    """Train, quantise, check, build, run and validate one parameter set. A McuforgeError on the way
    becomes a FAILED record (the message kept); a model that cannot fit becomes REJECTED, unbuilt."""
    from codegen.fit import DoesNotFitError
    from codegen.options import BuildOptions, ValidateOptions
    from codegen.pio.project import write_project
    from codegen.pio.runner import build
    from codegen.prep.quantize import QuantizeOptions, quantize
    from codegen.prep.source import Kind, ModelSource
    from codegen.report import write_report
    from codegen.tune.train import train
    from codegen.validate import validate

    start = time.monotonic()
    clock = Stopwatch()

    def ended(r: TrialRecord) -> TrialRecord:
        return replace(r, seconds=time.monotonic() - start, stages=clock.laps)
    out = ctx.trial_dir(number, plain=not distilled and ctx.teacher is not None)
    out.mkdir(parents=True, exist_ok=True)
    rec = TrialRecord(number=number, state=TrialState.FAILED, params=tuple(sorted(values.items())),
                      distilled=distilled, host=socket.gethostname())
    try:
        stage("training")
        clock.lap()
        trained = train(ctx.space, values, ctx.data, ctx.teacher if distilled else None,
                        progress=lambda e, n: stage(f"training {e}/{n}"))
        rec = replace(rec, float_accuracy=trained.float_accuracy, epochs=trained.epochs,
                      parameters=trained.parameters)
        save_model(trained.model, out / MODEL)
        clock.lap("train")
        stage("quantising")
        calib = Samples(ctx.data.train.x[:CALIBRATION_SAMPLES], None, ctx.data.train.path.name)
        q = quantize(ModelSource(out / MODEL, Kind.KERAS), calib, QuantizeOptions(max_samples=CALIBRATION_SAMPLES),
                     keras_model=trained.model)
        (out / FLOAT_TFLITE).write_bytes(q.float32.data)
        (out / INT8_TFLITE).write_bytes(q.quantized.data)
        if q.generate_problem is not None:
            raise McuforgeError(f"mcuforge cannot generate the quantised model: {q.generate_problem}")
        clock.lap("quantise")
        stage("fit check")
        try:
            project = write_project(ctx.board, out / INT8_TFLITE, slot, BuildOptions())
        except DoesNotFitError as exc:
            return ended(replace(rec, state=TrialState.REJECTED, reason=exc.message))
        m = project.compiled
        why = _budget_rejection(ctx, m, project.fit)
        rec = replace(rec, arena_bytes=m.arena_bytes, weights_bytes=m.weights_bytes, macs=m.macs)
        if why:
            return ended(replace(rec, state=TrialState.REJECTED, reason=why))
        clock.lap("generate")
        stage(f"building for {ctx.board.name}")
        arts = build(project)
        rep = write_report(project, arts.elf)
        clock.lap("build")
        rec = replace(rec, flash_bytes=rep.flash_bytes, ram_bytes=peak_ram(rep))
        stage(f"running {len(ctx.data.val)} validation samples on {ctx.board.name}")
        v = validate(project, ValidateOptions(target=ctx.target, samples=len(ctx.data.val), data=ctx.val_file),
                     progress=False)
        clock.lap("run")
        for name in KEPT:
            if (slot / name).is_file():
                shutil.copy2(slot / name, out / name)
        if v.error is not None:
            raise McuforgeError(f"the run on {ctx.board.name} failed ({v.error.kind}): {v.error.message}")
        if not v.within_tolerance:
            raise McuforgeError(f"{v.mismatches}/{v.samples} validation samples differ from TFLM on the board "
                                "(a bug in mcuforge: see validate.json)")
        lat = v.latency.p50 if v.latency is not None else None
        rec = replace(rec, state=TrialState.MEASURED, accuracy=v.device_correct / v.labelled if v.labelled else None,
                      reference_accuracy=v.reference_correct / v.labelled if v.labelled else None,
                      bit_exact=v.bit_exact, latency=lat, unit=v.unit, samples=v.samples,
                      latency_ms=None if lat is None else latency_ms(lat, v.unit, ctx.board))
        return ended(rec.with_violations(ctx.limits))
    except McuforgeError as exc:
        return ended(replace(rec, state=TrialState.FAILED, reason=exc.message))


def peak_ram(report: BuildReport) -> int:
    """The RAM a model costs on the board, as one number (codegen/peakram.py): the arena, the static
    kernel scratch, the reserved stack and the model's state -- not the harness's buffers."""
    return report.peak_ram().total
