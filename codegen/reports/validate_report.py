"""``validate.md`` and ``validate.html`` beside ``validate.json`` (``validate.failed.*`` beside
``validate.failed.json``): what `test` found against TFLM -- the verdict, samples, per-output
differences, accuracy with labels, the float model's metrics, latency over the samples, the build's
memory against the budget (with its memory map in the HTML), and what failed: the mismatching samples
and the error that stopped the session."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

from codegen.files import write_text_atomic
from codegen.report import BuildReport
from codegen.reports import plots
from codegen.reports.html import Fact, Figure, Link, Page, Section, Table, Tone, Verdict, markdown_link, write_html
from codegen.reports.memory import MemoryMap
from codegen.reports.run_report import Budget, float_section, meters
from codegen.validate import FLOAT_RTOL, Validation

MISMATCH_ROWS = 20


@dataclass(frozen=True)
class ValidationFiles:
    markdown: Path
    html: Path


def report_names(complete: bool) -> tuple[str, str]:
    stem = "validate" if complete else "validate.failed"
    return f"{stem}.md", f"{stem}.html"


def verdict(v: Validation) -> Verdict:
    if v.error is not None:
        return Verdict("FAILED", Tone.BAD, f"{v.error.kind}: {v.error.message}")
    if not v.within_tolerance:
        return Verdict("MISMATCH", Tone.BAD, f"{v.mismatches} of {v.samples} samples differ from TFLM")
    if not v.samples:
        return Verdict("nothing compared", Tone.WARN)
    if v.samples < v.requested:
        return Verdict("incomplete", Tone.WARN, f"{v.samples} of {v.requested} samples compared")
    if v.bit_exact:
        return Verdict("bit-exact", Tone.GOOD, f"all {v.samples} samples identical to TFLM's outputs")
    return Verdict("within float tolerance", Tone.GOOD,
                   f"all {v.samples} samples within {FLOAT_RTOL:g} relative of TFLM's outputs")


def outputs_table(v: Validation) -> Table:
    return Table(("output", "type", "shape", "mismatched samples", "mismatched elements", "max |diff|",
                  "max |diff| dequantised", "mean |diff|", "top-1 agrees"),
                 tuple((o.name, o.dtype, "x".join(map(str, o.shape)) or "-", f"{o.mismatched_samples:,}",
                        f"{o.mismatched_elements:,}", f"{o.max_abs_diff:g}", f"{o.max_abs_diff_real:g}",
                        f"{o.mean_abs_diff:.3g}", f"{o.top1_agree}/{o.samples}") for o in v.outputs), "lll")


def mismatch_table(v: Validation) -> Table:
    return Table(("sample", "output", "max |diff|", "first at", "device", "TFLM"),
                 tuple((str(f.sample), str(f.output), f"{f.max_abs_diff:g}", str(f.first_index), f"{f.device:g}",
                        f"{f.reference:g}") for f in v.failures[:MISMATCH_ROWS]))


def counts_table(v: Validation) -> Table:
    rows = [("samples compared", f"{v.samples:,} of {v.requested:,}"),
            ("samples differing from TFLM", f"{v.mismatches:,}"), ("largest |diff|", f"{v.max_abs_diff:g}")]
    if v.labelled:
        rows += [("accuracy on the device", f"{100 * v.device_correct / v.labelled:.1f}% of {v.labelled:,} labelled"),
                 ("accuracy in TFLM", f"{100 * v.reference_correct / v.labelled:.1f}%")]
    if v.latency is not None:
        rows.append((f"latency p50 ({v.unit})", f"{v.latency.p50:,.0f} (max {v.latency.max:,.0f})"))
    rows.append(("target", v.target or "-"))
    return Table(("", ""), tuple(rows), "lr")


def error_section(v: Validation) -> Section:
    e = v.error
    assert e is not None
    text = [f"{e.kind}: {e.message}"] + ([f"The target {e.ended}."] if e.ended else []) + \
        ([f"pc is in {e.location}."] if e.location else []) + \
        [f"{v.samples} of {v.requested} samples were compared before it stopped."]
    tables = (Table(("register", "value"), tuple((k, f"0x{r:08x}") for k, r in e.registers.items()), "lr"),) \
        if e.registers else ()
    return Section("What stopped the test", tuple(text), tables, pre=e.target_log[-4000:])


def _markdown(v: Validation, json_name: str, html_name: str) -> str:
    vd = verdict(v)
    md = [f"# {v.model or 'model'} against TFLM on {v.board}", "", markdown_link(html_name), "",
          f"Result: **{vd.text}**" + (f" ({vd.detail})" if vd.detail else ""), ""]
    md += counts_table(v).markdown() + [""]
    if v.outputs:
        md += ["## Outputs", ""] + outputs_table(v).markdown() + [""]
    if v.float_reference is not None:
        md += float_section(v.float_reference).markdown()
    if v.failures:
        md += ["## Mismatching samples", "", f"The first {min(len(v.failures), MISMATCH_ROWS)} (all are in "
               f"{json_name}):", ""] + mismatch_table(v).markdown() + [""]
    if v.error is not None:
        md += error_section(v).markdown()
    return "\n".join(md).rstrip() + "\n"


def validation_page(v: Validation, build: BuildReport | None, layout: MemoryMap | None, json_name: str,
                    plot_dir: Path) -> Page:
    facts = [Fact("samples compared", f"{v.samples:,}", f"of {v.requested:,} requested",
                  Tone.GOOD if v.samples == v.requested and v.samples else Tone.WARN),
             Fact("differing from TFLM", f"{v.mismatches:,}", f"largest |diff| {v.max_abs_diff:g}",
                  Tone.GOOD if v.within_tolerance else Tone.BAD)]
    if v.labelled:
        facts.append(Fact("accuracy on the device", f"{100 * v.device_correct / v.labelled:.1f}%",
                          f"TFLM: {100 * v.reference_correct / v.labelled:.1f}% on {v.labelled:,} labelled samples"))
    if v.latency is not None:
        facts.append(Fact(f"latency ({v.unit}, p50)", f"{v.latency.p50:,.0f}",
                          "the same for every sample" if v.latency.max == v.latency.min else
                          f"{v.latency.min:,.0f} to {v.latency.max:,.0f} over the samples"))
    figures: tuple[Figure, ...] = ()
    if layout is not None:
        figures = (Figure.png(plots.memory_map(layout, plot_dir / "memory.png"), "memory map of the tested firmware",
                              "Memory map of the firmware under test: what each address range holds and whose it is"),)
    sections = [Section("Counts", (), (counts_table(v),))]
    if v.outputs:
        sections.append(Section("Outputs", (), (outputs_table(v),)))
    if v.float_reference is not None:
        sections.append(float_section(v.float_reference))
    failures = []
    if v.failures:
        failures.append(Section("Mismatching samples", (f"The first {min(len(v.failures), MISMATCH_ROWS)}; "
                                                        f"{json_name} holds up to 50.",), (mismatch_table(v),)))
    if v.error is not None:
        failures.append(error_section(v))
    b = Budget.of(None, build)
    sub = " · ".join(x for x in (f"target: {v.target}" if v.target else "", f"model sha256 {v.sha256[:16]}…"
                                 if v.sha256 else "", f"{v.seconds:,.1f} s") if x)
    return Page(kind="test", title=f"{v.model or 'model'} against TFLM on {v.board}", subtitle=sub,
                verdict=verdict(v), facts=tuple(facts), meters=meters(b, build, None), plots=figures,
                sections=tuple(sections), failures=tuple(failures),
                links=(Link(json_name, json_name), Link("junit.xml", "junit.xml")),
                notes=(f"int8/int16/int32 outputs must be identical to TFLM's; float32 within {FLOAT_RTOL:g} "
                       "relative.",))


def write_validation_report(v: Validation, out_dir: Path, build: BuildReport | None = None,
                            layout: MemoryMap | None = None) -> ValidationFiles:
    """validate.md and validate.html (validate.failed.* for an incomplete test) in `out_dir`; a
    complete test's reports replace a failed one's."""
    out_dir = Path(out_dir)
    md_name, html_name = report_names(v.complete)
    md = write_text_atomic(out_dir / md_name, _markdown(v, v.file_name, html_name))
    with tempfile.TemporaryDirectory(prefix=".validate-plots-", dir=out_dir) as tmp:
        html = write_html(validation_page(v, build, layout, v.file_name, Path(tmp)), out_dir / html_name)
    if v.complete:
        for name in report_names(False):
            (out_dir / name).unlink(missing_ok=True)
    return ValidationFiles(markdown=md, html=html)
