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

    compare(variants, out_dir, baseline=None, title="", stem="compare", sections=(), problems=(), footer="")
        -> ComparisonFiles
        writes <stem>.md (the table, with each variant's ratio to the baseline: the first variant
        unless `baseline` names another), <stem>.json (the same numbers), <stem>.png (one bar chart
        per metric), tradeoff.png (accuracy against latency and flash, when accuracies are known) and
        <stem>.html (all of it in one self-contained file); returns the paths.

Nothing here runs a build or a target: callers (the `compare` command) build and run the variants,
then hand over their records.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Sequence

from codegen.errors import McuforgeError
from codegen.files import write_text_atomic
from codegen.reports import plots
from codegen.reports.html import Fact, Figure, Link, Page, Section, Table, Tone, Verdict, markdown_link, write_html
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
    kind: str = ""                        # the row type: original, quantised, pruned, distilled student ("": unknown)


@dataclass(frozen=True)
class ComparisonFiles:
    markdown: Path
    json: Path
    plot: Path
    html: Path
    tradeoff: Path | None = None


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


def agreement(v: Variant) -> str:
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


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def latency_unit(variants: Sequence[Variant]) -> str | None:
    """The variants' common latency unit; None when they differ (QEMU instructions beside cycles ...)."""
    units = {v.unit for v in variants if v.latency is not None}
    return units.pop() if len(units) == 1 else None if units else ""


def comparison_table(variants: Sequence[Variant], base: Variant, markdown: bool = True) -> Table:
    """Flash, RAM, arena, latency, accuracy and agreement with TFLM per variant, with ratios to the
    baseline (its name in bold in Markdown, marked "(baseline)" otherwise)."""
    unit = latency_unit(variants)
    same_unit = unit is not None
    kinds = any(v.kind for v in variants)   # the row type column, only when some variant has one
    head = ("variant",) + (("kind",) if kinds else ()) + (
        "board", "flash", "RAM", "arena", f"latency ({unit if same_unit else 'mixed units'}, p50)",
        "latency µs", "accuracy", "TFLM accuracy", "matches TFLM")
    rows = []
    for v in variants:
        lat = _fmt(v.latency) + (_ratio(v.latency, base.latency) if same_unit and v is not base else "")
        if not same_unit and v.latency is not None:
            lat = f"{v.latency:,.0f} {v.unit}"
        name = (f"**{v.name}**" if markdown else f"{v.name} (baseline)") if v is base else v.name
        rows.append((name, *((v.kind or "-",) if kinds else ()), v.board,
                     kb(v.flash_bytes) + ("" if v is base else _ratio(v.flash_bytes, base.flash_bytes)),
                     kb(v.ram_bytes) + ("" if v is base else _ratio(v.ram_bytes, base.ram_bytes)),
                     kb(v.arena_bytes), lat, _fmt(v.latency_us, ",.1f"), _pct(v.accuracy), _pct(v.reference_accuracy),
                     agreement(v)))
    return Table(head, tuple(rows), "ll" + ("l" if kinds else "") + "r" * (len(head) - 2 - kinds))


def _metrics(variants: Sequence[Variant], unit: str | None) -> list[plots.Metric]:
    out = [plots.Metric("flash", "bytes", tuple(float(v.flash_bytes) for v in variants)),
           plots.Metric("RAM", "bytes", tuple(float(v.ram_bytes) for v in variants))]
    if any(v.latency is not None for v in variants):
        out.append(plots.Metric(f"latency p50 ({unit or 'mixed units'})", unit or "mixed units",
                                tuple(v.latency for v in variants)))
    if any(v.accuracy is not None for v in variants):
        out.append(plots.Metric("accuracy on device", "%",
                                tuple(None if v.accuracy is None else 100 * v.accuracy for v in variants)))
    return out


def _summary(variants: Sequence[Variant], base: Variant, unit: str | None) -> tuple[Verdict, tuple[Fact, ...]]:
    measured = [v for v in variants if v.bit_exact is not None or v.within_tolerance is not None]
    disagree = [v.name for v in measured if not (v.bit_exact or v.within_tolerance)]
    if disagree:
        verdict = Verdict("MISMATCH", Tone.BAD, "differ from TFLM: " + ", ".join(disagree))
    elif len(measured) < len(variants):
        verdict = Verdict("incomplete", Tone.WARN, f"{len(variants) - len(measured)} of {len(variants)} variants "
                                                   "were not validated against TFLM")
    else:
        verdict = Verdict("all match TFLM", Tone.GOOD,
                          ", ".join(f"{v.name}: {agreement(v)}" for v in variants))
    facts = [Fact("baseline", base.name, f"{len(variants)} variants on {', '.join(dict.fromkeys(v.board for v in variants))}")]
    timed = [v for v in variants if v.latency is not None]
    if timed and unit:
        fast = min(timed, key=lambda v: v.latency or 0.0)
        facts.append(Fact("fastest", fast.name, f"{fast.latency:,.0f} {unit} p50" + _ratio(fast.latency, base.latency)))
    small = min(variants, key=lambda v: v.flash_bytes)
    facts.append(Fact("smallest flash", small.name, kb(small.flash_bytes) + _ratio(small.flash_bytes, base.flash_bytes)))
    scored = [v for v in variants if v.accuracy is not None]
    if scored:
        best = max(scored, key=lambda v: v.accuracy or 0.0)
        facts.append(Fact("most accurate", best.name, f"{_pct(best.accuracy)} on the device"))
    return verdict, tuple(facts)


def compare(variants: Sequence[Variant], out_dir: Path, baseline: str | None = None, title: str = "",
            stem: str = "compare", sections: Sequence[Section] = (), problems: Sequence[tuple[str, str]] = (),
            footer: str = "") -> ComparisonFiles:
    """<stem>.md, <stem>.json, <stem>.png, tradeoff.png (when accuracies are known) and <stem>.html;
    `sections` (more tables), `problems` ((variant, what went wrong)) and `footer` go into both reports."""
    if not variants:
        raise McuforgeError("nothing to compare", hint="give at least one variant")
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise McuforgeError(f"variant names must differ: {names}", hint="name each variant")
    base = next((v for v in variants if v.name == baseline), None) if baseline else variants[0]
    if base is None:
        raise McuforgeError(f"no variant named {baseline!r}", hint="baseline must be one of " + ", ".join(names))
    unit = latency_unit(variants)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    title = title or "Comparison"
    plot_path = plots.comparison_bars(names, _metrics(variants, unit), out_dir / f"{stem}.png", title=title)
    tradeoff = None
    if any(v.accuracy is not None for v in variants):
        tradeoff = plots.tradeoff_scatter(names, [v.accuracy for v in variants], [v.latency for v in variants],
                                          [float(v.flash_bytes) for v in variants], unit or "mixed units",
                                          out_dir / "tradeoff.png", title=title,
                                          reference=[v.reference_accuracy for v in variants])
    html_path = out_dir / f"{stem}.html"
    md = [f"# {title}", "", markdown_link(html_path.name), "",
          f"Baseline: **{base.name}**; ratios are to it (lower is better for flash, RAM and latency).", ""]
    md += comparison_table(variants, base).markdown()
    if unit is None:
        md += ["", MIXED]
    md += ["", f"![comparison]({plot_path.name})", ""]
    for s in sections:
        md += s.markdown()
    if tradeoff is not None:
        md += [f"![accuracy against latency and flash]({tradeoff.name})", ""]
    if problems:
        md += ["## Problems", ""] + [f"- **{n}**: {what}" for n, what in problems] + [""]
    if footer:
        md += [footer, ""]
    md_path = out_dir / f"{stem}.md"
    write_text_atomic(md_path, "\n".join(md))
    json_path = out_dir / f"{stem}.json"
    write_text_atomic(json_path, json.dumps({"title": title, "baseline": base.name,
                                             "variants": [asdict(v) for v in variants]}, indent=2) + "\n")
    verdict, facts = _summary(variants, base, unit)
    figures = [Figure.png(plot_path, "flash, RAM, latency and accuracy per variant",
                          "Flash, RAM, latency and accuracy of each variant")]
    if tradeoff is not None:
        figures.append(Figure.png(tradeoff, "accuracy against latency and flash",
                                  "Accuracy against latency and against flash"))
    page = Page(kind="compare", title=title, subtitle=f"baseline {base.name}; ratios are to it (lower is better for "
                                                      "flash, RAM and latency)", verdict=verdict, facts=facts,
                plots=tuple(figures),
                sections=(Section("Variants", (MIXED,) if unit is None else (),
                                  (comparison_table(variants, base, markdown=False),)), *sections),
                failures=(Section("Problems", tuple(f"{n}: {what}" for n, what in problems)),) if problems else (),
                links=(Link(md_path.name, md_path.name), Link(json_path.name, json_path.name)),
                notes=(footer,) if footer else ())
    write_html(page, html_path)
    return ComparisonFiles(markdown=md_path, json=json_path, plot=plot_path, html=html_path, tradeoff=tradeoff)


MIXED = ("Latencies are in different units (QEMU instructions, hardware cycles, host ns): "
         "not comparable across those variants.")
