"""``--export BEST``: a trial's model as files the rest of mcuforge takes.

BEST is a trial number or ``best`` (the most accurate trial within budget). Into OUT (default:
``<study>/export``) go ``trialN.keras`` (the float Keras model), ``trialN_f32.tflite`` (its float32
conversion) and ``trialN_int8.tflite`` (the int8 model the trial measured), each ``.tflite`` with its
sidecar (``.source.json``: the Keras source, the float reference, and the row type ``compare`` shows:
"distilled student" for a student trained from a teacher, else "original"/"quantised"), and
``trialN_int8.samples.npz`` (validation samples: ``scons model=OUT/trialN_int8.tflite run`` runs one of
them). Nothing is retrained: the files are the trial's own.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.errors import McuforgeError
from codegen.tune.progress import best_of
from codegen.tune.records import TrialState, TuneResult
from codegen.tune.trial import FLOAT_TFLITE, INT8_TFLITE, MODEL

SAMPLES_KEPT = 50


@dataclass(frozen=True)
class Exported:
    trial: int
    keras: Path
    float32: Path
    int8: Path
    samples: Path


def choose(result: TuneResult, which: str) -> int:
    """The trial number `which` names: a number, or `best`."""
    if which == "best":
        best = best_of(result.trials)
        if best is None:
            raise McuforgeError("--export best: no trial is within budget",
                                hint="export a trial by number (--export N), or relax --budget")
        return best.number
    try:
        return int(which)
    except ValueError:
        raise McuforgeError(f"--export {which}: not a trial number or 'best'",
                            hint="--export best, or --export N with a trial number from tune.md") from None


def export_trial(result: TuneResult, which: str, out: Path) -> Exported:
    from codegen.origin import FloatReference, Origin, TensorLayout, VariantKind, sha256_of, write_origin
    from codegen.prep.commands import io_shapes
    number = choose(result, which)
    t = result.trial(number)
    if t.state != TrialState.MEASURED:
        raise McuforgeError(f"--export {number}: trial {number} was {t.state.value}"
                            + (f" ({t.reason.splitlines()[0]})" if t.reason else ""),
                            hint="export a measured trial: the Pareto front in tune.md lists the best ones")
    src = result.directory / "trials" / f"{number:04d}"
    missing = [n for n in (MODEL, FLOAT_TFLITE, INT8_TFLITE) if not (src / n).is_file()]
    if missing:
        raise McuforgeError(f"--export {number}: {', '.join(missing)} missing in {src}"
                            + (f" (the trial ran on {t.host})" if t.host else ""),
                            hint="export on the machine that ran the trial, from its --study directory")
    out.mkdir(parents=True, exist_ok=True)
    stem = f"trial{number}"
    keras, f32, i8 = out / f"{stem}.keras", out / f"{stem}_f32.tflite", out / f"{stem}_int8.tflite"
    for a, b in ((MODEL, keras), (FLOAT_TFLITE, f32), (INT8_TFLITE, i8)):
        shutil.copy2(src / a, b)
    distilled = t.distilled and result.teacher is not None
    note = (f"distilled from {result.teacher.name} by tune (study {result.study!r}, trial {number})" if distilled
            else f"trained by tune (study {result.study!r}, trial {number})")
    for path, kind in ((f32, VariantKind.DISTILLED if distilled else VariantKind.ORIGINAL),
                       (i8, VariantKind.DISTILLED if distilled else VariantKind.QUANTISED)):
        ins, outs = io_shapes(path.read_bytes())
        write_origin(path, Origin(
            model_sha256=sha256_of(path), source=keras.resolve(), source_kind="Keras model (.keras)",
            converter="TensorFlow (mcuforge tune)",
            inputs=tuple(TensorLayout("input" if k == 0 else f"input_{k}", s, tuple(range(len(s))))
                         for k, s in enumerate(ins)),
            outputs=tuple(TensorLayout(f"output_{k}", s, tuple(range(len(s)))) for k, s in enumerate(outs)),
            float_reference=FloatReference.of(f32, "tflite"), kind=kind, note=note))
    with np.load(result.directory / "val.npz") as v:
        samples = i8.with_suffix(".samples.npz")
        np.savez(samples, x=v["x"][:SAMPLES_KEPT], y=v["y"][:SAMPLES_KEPT])
    return Exported(trial=number, keras=keras, float32=f32, int8=i8, samples=samples)
