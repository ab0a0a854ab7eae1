"""``compare``: several variants of one model (float32, int8, pruned+int8, a smaller architecture ...)
built for one board, run on it and validated against TFLM on the same evaluation data, then put side
by side.

Per variant, the same machinery as ``scons run`` and ``scons test``:

1. :func:`codegen.pio.project.write_project` + :func:`codegen.pio.runner.build` +
   :func:`codegen.report.write_report` -> ``report.json`` (flash, RAM, arena, MACs);
2. :func:`codegen.run.run_firmware` on the first evaluation sample, ``n`` timed inferences ->
   ``run.json`` and the run's ``report.md`` (:func:`codegen.reports.run_report.save_run`);
3. :func:`codegen.validate.validate` over the evaluation samples -> ``validate.json`` (outputs vs
   TFLM, top-1 accuracy on the device and in TFLM);
4. :func:`codegen.reports.compare.variant_from_build` reads the three back.

:func:`codegen.reports.compare.compare` then writes ``compare.md`` / ``.json`` / ``.png`` /
``.html`` and ``tradeoff.png`` (accuracy against latency and flash); this module gives it the sections
on the float model and on the weights (zeros, compressed sizes: what pruning buys) and the problems.

Every variant is fed the same float inputs (``x``, or ``x_float`` beside an integer ``x``), quantised
by validate with each variant's own input scale.
"""

from __future__ import annotations

import json
import zlib
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from codegen.errors import McuforgeError
from codegen.options import CompareOptions, VariantSpec
from codegen.prep.data import load_samples
from codegen.reports.compare import ComparisonFiles, Variant
from codegen.reports.html import Section, Table
from codegen.term import kb


@dataclass(frozen=True)
class WeightStats:
    weights_bytes: int                 # constant tensors in the .tflite
    kernel_zeros: float                # fraction of Conv/FC weights that are zero
    tflite_bytes: int
    tflite_deflated: int               # zlib -9
    firmware_deflated: int | None      # zlib -9 of firmware.bin (what an OTA image or a compressed store holds)


@dataclass(frozen=True)
class VariantRun:
    spec: VariantSpec
    project_dir: Path | None
    variant: Variant | None
    weights: WeightStats | None
    failure: str | None = None         # why the variant has no (or incomplete) numbers


@dataclass(frozen=True)
class Comparison:
    runs: tuple[VariantRun, ...]
    files: ComparisonFiles | None
    tradeoff: Path | None
    eval_data: Path
    samples: int

    @property
    def ok(self) -> bool:
        return all(r.failure is None for r in self.runs) and self.files is not None


def eval_set(data: Path, out_dir: Path, limit: int) -> tuple[Path, int]:
    """The evaluation samples every variant gets, as float inputs: ``out_dir/eval.npz``."""
    s = load_samples(data, "--data")
    if s.x.dtype == np.int8:
        raise McuforgeError(f"--data {data}: x is int8, quantised for one particular model",
                            hint="give the float inputs (x, or x_float beside x): each variant quantises them "
                                 "with its own input scale")
    if s.x.dtype.kind not in "fiu" or len(s) == 0:
        raise McuforgeError(f"--data {data}: no numeric samples in x", hint="np.savez(path, x=inputs, y=labels)")
    n = min(limit, len(s))
    out = out_dir / "eval.npz"
    out_dir.mkdir(parents=True, exist_ok=True)
    arrays = {"x": np.asarray(s.x[:n], dtype=np.float32)}
    if s.y is not None:
        arrays["y"] = np.asarray(s.y[:n])
    np.savez(out, **arrays)
    return out, n


def weight_stats(model: Path, firmware_bin: Path | None) -> WeightStats:
    from codegen.prep.ranges import model_stats
    from codegen.tflite import read_model_bytes
    data = model.read_bytes()
    st = model_stats(data, read_model_bytes(data, source=str(model)))
    fw = None
    if firmware_bin is not None and firmware_bin.is_file():
        fw = len(zlib.compress(firmware_bin.read_bytes(), 9))
    return WeightStats(weights_bytes=st.weights_bytes, kernel_zeros=st.kernel_zeros, tflite_bytes=st.file_bytes,
                       tflite_deflated=st.deflated_bytes, firmware_deflated=fw)


def measure(spec: VariantSpec, options: CompareOptions, eval_path: Path, samples: int, root: Path,
            say: Callable[[str], None]) -> VariantRun:
    """Build, run and validate one variant; a failure is recorded, not raised."""
    from codegen.boards import load_board
    from codegen.options import BuildOptions, ValidateOptions
    from codegen.pio.project import write_project
    from codegen.pio.runner import build
    from codegen.report import write_report
    from codegen.reports.compare import variant_from_build
    from codegen.reports.run_report import save_run
    from codegen.inputs import source_layout
    from codegen.run import InputSource, RunFailed, layers_of, request_for, run_firmware
    from codegen.validate import sample_inputs, validate

    if not spec.model.is_file():
        return VariantRun(spec, None, None, None, failure=f"model file not found: {spec.model}")
    board = load_board(options.board)
    out = root / options.board / spec.name
    try:
        say(f"  {spec.name}: generate and build for {board.name}")
        project = write_project(board, spec.model, out, BuildOptions(int8_io=spec.int8_io, kernels=options.kernels))
        arts = build(project)
        rep = write_report(project, arts.elf)
        xs, label = next(sample_inputs(eval_path, project.compiled.inputs, 1, 0, {}, source_layout(spec.model)))
    except McuforgeError as exc:
        return VariantRun(spec, out, None, weight_stats(spec.model, None), failure=exc.message)
    m = project.compiled
    weights = weight_stats(spec.model, arts.bin)
    failure = None
    say(f"  {spec.name}: run ({options.n} timed inferences) and validate {samples} samples against TFLM")
    try:
        res = run_firmware(board, project.firmware_elf, m.sha256, m.inputs, m.outputs,
                           InputSource(xs, f"{eval_path.name} sample #0", label), n=options.n, macs=m.macs,
                           request=request_for(options.target, board), layers=layers_of(m), model=spec.model.name)
    except RunFailed as exc:
        res, failure = exc.result, exc.message
    if failure is None:
        v = validate(project, ValidateOptions(target=options.target, samples=samples, data=eval_path),
                     progress=False)
        if v.error is not None:
            failure = f"validation: {v.error.kind}: {v.error.message}"
        elif not v.passed:
            failure = f"validation: {v.mismatches}/{v.samples} samples differ from TFLM (see validate.json)"
    # after validate: report.md shows its float metrics
    save_run(replace(res, memory=rep.memory(), peak_ram=rep.peak_ram(res.stack_used_bytes)), project.dir)
    variant = replace(variant_from_build(project.dir, spec.name), kind=kind_of(spec))
    return VariantRun(spec, project.dir, variant, weights, failure)


def kind_of(spec: VariantSpec) -> str:
    """The variant's row type: given (NAME=PATH:distilled), else its sidecar's (quantize and tune record it)."""
    from codegen.origin import read_origin
    if spec.kind is not None:
        return spec.kind.value
    origin = read_origin(spec.model)
    return origin.kind.value if origin is not None and origin.kind is not None else ""


def first_line(text: str | None) -> str:
    lines = (text or "").strip().splitlines()
    return (lines[0].rstrip(":") + (" (more in compare.json)" if len(lines) > 1 else "")) if lines else ""


def float_report_of(r: VariantRun):
    """The variant's validate.json float_reference section (None: none)."""
    from codegen.validate import FILE, read_validation
    if r.project_dir is None or not (r.project_dir / FILE).is_file():
        return None
    return read_validation(r.project_dir / FILE).float_reference


def _float_json(r: VariantRun) -> dict | None:
    rep = float_report_of(r)
    return None if rep is None else rep.as_json()


def float_section(runs: Sequence[VariantRun]) -> Section | None:
    """Each variant's outputs against its float model (RMSE, MAE, max |error|, cosine, L2r)."""
    from codegen.floatref import FLOAT_HEAD, float_rows
    rows, refs = [], []
    for r in runs:
        rep = float_report_of(r)
        if rep is None:
            rows.append((r.spec.name, *["-"] * len(FLOAT_HEAD), "no float reference"))
            continue
        if rep.error:
            rows.append((r.spec.name, *["-"] * len(FLOAT_HEAD), rep.error))
            continue
        refs.append(f"{rep.model} ({rep.runtime})")
        rows += [(r.spec.name, *row, rep.model) for row in float_rows(rep)]
    if not refs:
        return None
    return Section("Against the float model", (
        "Per output, the deployed model's dequantised outputs against the float model's on the same inputs ("
        + ", ".join(dict.fromkeys(refs)) + "): root-mean-square, mean and largest absolute error, cosine "
        "similarity, and the error's L2 norm relative to the float outputs' (ST Edge AI's validate metrics).",),
        (Table(("variant", *FLOAT_HEAD, "float model"), tuple(rows), "ll" + "r" * (len(FLOAT_HEAD) - 1) + "l"),))


WEIGHTS_HEAD = ("variant", "weights", "zero weights", ".tflite", ".tflite deflated", "firmware.bin deflated")


def weights_row(name: str, w: WeightStats) -> tuple[str, ...]:
    return (name, kb(w.weights_bytes), f"{100 * w.kernel_zeros:.1f}%", kb(w.tflite_bytes), kb(w.tflite_deflated),
            kb(w.firmware_deflated))


def weights_section(weights: Sequence[tuple[str, WeightStats]]) -> Section | None:
    if not weights:
        return None
    return Section("Weights and compression", (
        "Zero weights cost the same flash and time as any other with dense kernels; they only make the "
        "image compress better (zlib -9, as an OTA update or a compressed store would hold it).",),
        (Table(WEIGHTS_HEAD, tuple(weights_row(n, w) for n, w in weights)),))


def compare_variants(specs: Sequence[VariantSpec], data: Path, out_dir: Path,
                     options: CompareOptions = CompareOptions(),
                     progress: Callable[[str], None] | None = None) -> Comparison:
    say = progress or (lambda _: None)
    if not specs:
        raise McuforgeError("no variants to compare", hint="give two or more .tflite files")
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise McuforgeError(f"two variants share a name: {', '.join(names)}",
                            hint="name them: NAME=PATH (e.g. f32=model_f32.tflite int8=model_int8.tflite)")
    from codegen.boards import load_board
    board = load_board(options.board)  # unknown board: fail before any work
    out_dir = Path(out_dir).resolve()   # PlatformIO runs in the project: every path it sees is absolute
    specs = [replace(s, model=s.model.resolve()) for s in specs]
    eval_path, n = eval_set(Path(data), out_dir, options.samples)
    say(f"comparing {len(specs)} variants on {board.name} with {n} samples from {data}")
    runs = [measure(s, options, eval_path, n, out_dir / "builds", say) for s in specs]
    variants = [r.variant for r in runs if r.variant is not None]
    files = None
    if variants:
        from codegen.reports.compare import compare
        base = options.baseline if options.baseline in {v.name for v in variants} else None
        if options.baseline and base is None:
            say(f"  baseline {options.baseline!r} has no numbers; ratios refer to {variants[0].name}")
        title = options.title or f"{len(specs)} variants on {board.name}, {n} evaluation samples"
        sections = [x for x in (float_section(runs), weights_section(
            [(r.spec.name, r.weights) for r in runs if r.weights is not None])) if x is not None]
        footer = (f"Evaluation data: {n} samples from {Path(data).name}; per-variant builds, run.json, "
                  f"validate.json and report.md under builds/{board.name}/.")
        files = compare(variants, out_dir, baseline=base, title=title, sections=sections,
                        problems=[(r.spec.name, first_line(r.failure)) for r in runs if r.failure], footer=footer)
        d = json.loads(files.json.read_text())
        d["weights"] = {r.spec.name: (None if r.weights is None else asdict(r.weights)) for r in runs}
        d["float_reference"] = {r.spec.name: _float_json(r) for r in runs}
        d["failures"] = {r.spec.name: r.failure for r in runs if r.failure}
        files.json.write_text(json.dumps(d, indent=2) + "\n")
    return Comparison(runs=tuple(runs), files=files, tradeoff=files.tradeoff if files else None, eval_data=eval_path,
                      samples=n)
