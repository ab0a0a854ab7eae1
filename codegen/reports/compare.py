"""The trade-off table: models, or variants of one model (float32 vs int8, int8 I/O, reference vs DSP
kernels, pruned ...), side by side on flash, RAM, latency and accuracy.

API (frozen dataclasses in, files out)::

    Variant(name, board, flash_bytes, ram_bytes, arena_bytes=None, latency=None, unit="",
            latency_us=None, accuracy=None, reference_accuracy=None, bit_exact=None, macs=None, model="")
        one column of the comparison. `latency` is per inference (p50) in `unit` ("instructions" under
        QEMU, "cycles" on hardware, "ns" on the host board); variants are only compared on latency
        when their units agree. `accuracy` is on-device top-1 over labelled samples (validate.json),
        `reference_accuracy` TFLM's on the same samples; None where unknown.

    variant_from_build(project_dir, name=None) -> Variant
        reads build/<board>/<model-variant>/report.json, and run.json / validate.json when present and
        current (of this build's model, and not followed by a failed run or validation).

    compare(variants, out_dir, baseline=None, title="", stem="compare") -> ComparisonFiles
        writes <stem>.md (the table, with each variant's ratio to the baseline: the first variant
        unless `baseline` names another), <stem>.json (the same numbers) and <stem>.png (one bar
        chart per metric); returns the three paths.

Nothing here runs a build or a target: callers (the `compare` command) build and run the variants,
then hand over their records.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from codegen.errors import McuforgeError
from codegen.reports import plots
from codegen.term import kb


@dataclass(frozen=True)
class Variant:
    name: str
    board: str
    flash_bytes: int
    ram_bytes: int
    arena_bytes: int | None = None
    latency: float | None = None          # p50 per inference, in `unit`
    unit: str = ""                        # instructions | cycles | ns
    latency_us: float | None = None       # p50 per inference, microseconds
    accuracy: float | None = None         # on-device top-1, 0..1
    reference_accuracy: float | None = None
    bit_exact: bool | None = None
    within_tolerance: bool | None = None  # float outputs: within validate.py's FLOAT_RTOL of TFLM
    macs: int | None = None
    model: str = ""


@dataclass(frozen=True)
class ComparisonFiles:
    markdown: Path
    json: Path
    plot: Path


def variant_from_build(project_dir: Path, name: str | None = None) -> Variant:
    """A variant from a build directory's report.json (required), run.json and validate.json (when
    they describe this build's model and no failed run or validation came after them)."""
    from codegen.report import read_report
    from codegen.reports.run_report import FAILED
    from codegen.run import read_run
    from codegen.validate import FAILED_FILE, FILE, read_validation
    d = Path(project_dir)
    rep = read_report(d)
    if rep is None:
        raise McuforgeError(f"{d} has no report.json", hint="build the variant first (scons board=... model=...)")
    run = read_run(d / "run.json") if (d / "run.json").is_file() and not (d / f"run{FAILED}.json").is_file() else None
    if run is not None and run.device is not None and run.device.sha256 != rep.model_sha256:
        run = None  # a run of another model once built here
    val = read_validation(d / FILE) if (d / FILE).is_file() and not (d / FAILED_FILE).is_file() else None
    if val is not None and val.sha256 and val.sha256 != rep.model_sha256:
        val = None
    lat = run.per_inference if run is not None and run.complete else None
    lat_us = run.latency_us if run is not None and run.complete else None
    complete = val is not None and val.complete
    return Variant(name=name or d.name, board=rep.board, flash_bytes=rep.flash_bytes, ram_bytes=rep.ram_bytes,
                   arena_bytes=rep.arena_bytes, latency=lat.p50 if lat else None,
                   unit=run.unit if run is not None else "", latency_us=lat_us.p50 if lat_us else None,
                   accuracy=val.device_correct / val.labelled if val and val.labelled else None,
                   reference_accuracy=val.reference_correct / val.labelled if val and val.labelled else None,
                   bit_exact=val.bit_exact if complete else None,
                   within_tolerance=val.within_tolerance if complete else None,
                   macs=rep.macs, model=rep.model_name)


def _agreement(v: Variant) -> str:
    if v.bit_exact:
        return "bit-exact"
    if v.within_tolerance:
        return "within float tolerance"
    return "-" if v.bit_exact is None else "no"


def _ratio(v: float | None, base: float | None) -> str:
    if v is None or not base:
        return ""
    return f" ({v / base:.2f}x)"


def _fmt(v: float | None, spec: str = ",.0f") -> str:
    return "-" if v is None else format(v, spec)


def compare(variants: Sequence[Variant], out_dir: Path, baseline: str | None = None, title: str = "",
            stem: str = "compare") -> ComparisonFiles:
    if not variants:
        raise McuforgeError("nothing to compare", hint="give at least one variant")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise McuforgeError(f"variant names must differ: {names}", hint="name each variant")
    base = next((v for v in variants if v.name == baseline), None) if baseline else variants[0]
    if base is None:
        raise McuforgeError(f"no variant named {baseline!r}", hint="baseline must be one of " + ", ".join(names))
    units = {v.unit for v in variants if v.latency is not None}
    same_unit = len(units) <= 1
    unit = units.pop() if len(units) == 1 else "mixed units"
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)

    head = ["variant", "board", "flash", "RAM", "arena", f"latency ({unit}, p50)", "latency µs", "accuracy",
            "TFLM accuracy", "matches TFLM"]
    rows = []
    for v in variants:
        lat = _fmt(v.latency) + (_ratio(v.latency, base.latency) if same_unit and v is not base else "")
        if not same_unit and v.latency is not None:
            lat = f"{v.latency:,.0f} {v.unit}"
        rows.append([f"**{v.name}**" if v is base else v.name, v.board,
                     kb(v.flash_bytes) + ("" if v is base else _ratio(v.flash_bytes, base.flash_bytes)),
                     kb(v.ram_bytes) + ("" if v is base else _ratio(v.ram_bytes, base.ram_bytes)),
                     kb(v.arena_bytes), lat, _fmt(v.latency_us, ",.1f"),
                     _fmt(None if v.accuracy is None else 100 * v.accuracy, ".1f") + ("%" if v.accuracy is not None else ""),
                     _fmt(None if v.reference_accuracy is None else 100 * v.reference_accuracy, ".1f")
                     + ("%" if v.reference_accuracy is not None else ""),
                     _agreement(v)])
    md = [f"# {title or 'Comparison'}", "",
          f"Baseline: **{base.name}**; ratios are to it (lower is better for flash, RAM and latency).", "",
          "| " + " | ".join(head) + " |", "| --- | --- |" + " ---: |" * (len(head) - 2)]
    md += ["| " + " | ".join(r) + " |" for r in rows]
    if not same_unit:
        md += ["", "Latencies are in different units (QEMU instructions, hardware cycles, host ns): "
                   "not comparable across those variants."]
    plot_path = out_dir / f"{stem}.png"
    metrics: list[tuple[str, list[float | None]]] = [
        ("flash (KB)", [v.flash_bytes / 1024 for v in variants]),
        ("RAM (KB)", [v.ram_bytes / 1024 for v in variants]),
    ]
    if any(v.latency is not None for v in variants):
        metrics.append((f"latency p50 ({unit})", [v.latency for v in variants]))
    if any(v.accuracy is not None for v in variants):
        metrics.append(("accuracy (%)", [None if v.accuracy is None else 100 * v.accuracy for v in variants]))
    plots.comparison_bars(names, metrics, plot_path, title=title)
    md += ["", f"![comparison]({plot_path.name})", ""]
    md_path = out_dir / f"{stem}.md"
    md_path.write_text("\n".join(md))
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps({"title": title, "baseline": base.name,
                                     "variants": [asdict(v) for v in variants]}, indent=2) + "\n")
    return ComparisonFiles(markdown=md_path, json=json_path, plot=plot_path)
