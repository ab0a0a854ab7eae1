"""The HTML reports in a real browser: every kind (run, a failed run, test, compare, bench) written from
typed records, then loaded by headless Chromium (offline, a fresh profile): it renders without a console
message (an error, or a load the page's Content-Security-Policy blocked), draws a screenshot that is
not blank, shows its sections in order (summary, plots, tables, failures), and refers to nothing
outside its own file but the files beside it."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from codegen.bench import BenchRecord, write_bench
from codegen.reports.compare import compare
from codegen.reports.html import Section, Table
from codegen.reports.run_report import write_run_report
from codegen.reports.validate_report import write_validation_report
from codegen.run import write_run
from codegen.validate import write_junit
from support.browser import colours, external, references, render
from support.reports import BUILD, BUILD_WITH_REGIONS, FAILED_RUN, FP32, INT8, LAYOUT, MEMORY, RUN, VALIDATION, \
    bench_rows

# kind -> (the file, the sections in page order, the plots embedded)
EXPECTED = {
    "run": ("report.html", ["summary", "plots", "outputs", "latency", "timing-pin", "per-layer-profile", "memory",
                            "link", "target-states"], 3),
    "failed-run": ("report.failed.html", ["summary", "plots", "latency", "what-failed"], 1),
    "test": ("validate.failed.html", ["summary", "plots", "counts", "outputs", "mismatching-samples",
                                      "what-stopped-the-test"], 1),
    "compare": ("compare.html", ["summary", "plots", "variants", "weights-and-compression", "problems"], 2),
    "bench": ("BENCHMARKS.html", ["summary", "plots", "against-tflm-cmsis-nn", "arena-against-tflm", "peak-ram",
                                  "cortex-m4", "cortex-m7"], 3),
}


def _write(kind: str, d: Path) -> Path:
    d.mkdir(parents=True, exist_ok=True)
    if kind == "run":
        write_run(RUN, d / "run.json")
        return write_run_report(RUN, d, BUILD, MEMORY, layout=LAYOUT).html
    if kind == "failed-run":
        write_run(FAILED_RUN, d / "run.failed.json")
        return write_run_report(FAILED_RUN, d, suffix=".failed").html
    if kind == "test":
        write_junit(d / "junit.xml", "mcuforge.test", VALIDATION)
        (d / VALIDATION.file_name).write_text(json.dumps(VALIDATION.to_json()))
        return write_validation_report(VALIDATION, d, BUILD_WITH_REGIONS, LAYOUT).html
    if kind == "compare":
        weights = Section("Weights and compression", ("Zero weights cost the same flash.",),
                          (Table(("variant", "weights"), (("float32", "53.5 KB"), ("int8", "13.8 KB"))),))
        return compare([FP32, INT8], d, title="autoencoder: float32 vs int8", sections=[weights],
                       problems=[("int4", "model file not found: int4.tflite")]).html
    if kind == "bench":
        return write_bench(BenchRecord(bench_rows(), "scons bench"), d / "BENCHMARKS.md")[2]
    raise AssertionError(kind)


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("html")
    return {kind: _write(kind, root / kind) for kind in EXPECTED}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_report_renders_in_chromium_with_its_sections(kind, pages, tmp_path):
    name, sections, figures = EXPECTED[kind]
    page = pages[kind]
    assert page.name == name
    html = page.read_text()
    got = render(page, tmp_path / f"{kind}.png")
    assert not got.console, got.console                       # no error, nothing blocked
    assert colours(got.screenshot) > 200                      # text, tables and plots drawn
    ids = re.findall(r'<section id="([^"]+)"', got.dom)
    assert ids == sections, ids
    assert got.dom.count('<img src="data:image/png;base64,') == figures
    for doc in (html, got.dom):                               # the file and what the browser made of it
        assert not external(doc), external(doc)
    local = {v for _, a, v in references(got.dom) if a == "href" and not v.startswith("#")}
    assert local and all((page.parent / v).is_file() for v in local)   # links only to files beside it
    assert "Content-Security-Policy" in html and "<script" not in html


def test_the_summary_comes_first_and_says_the_verdict(pages):
    run = pages["run"].read_text()
    assert run.index("Memory against the budget") < run.index('id="plots"')
    assert '<span class="badge">complete</span>' in run and "8,000" in run.split('id="plots"')[0]
    test = pages["test"].read_text()
    assert '<span class="badge">FAILED</span>' in test and "timeout: no answer to infer within 20 s" in test
    assert "7" in test and "of 20 requested" in test
    bench = pages["bench"].read_text()
    assert "2 of 2 speed targets met" in bench and "at most 0.67x" in bench
    assert 'href="BENCHMARKS.md"' in bench and 'href="BENCHMARKS.json"' in bench


def test_the_checks_catch_a_page_that_reaches_out(tmp_path):
    """The same checks on a page with an external image and a stylesheet: both found in the source, and
    the browser reports the load the page's policy blocked (so a report that tried would fail above)."""
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><meta http-equiv="Content-Security-Policy" '
                    "content=\"default-src 'none'; img-src data:; style-src 'unsafe-inline'\">"
                    '<link rel="stylesheet" href="https://example.com/a.css"></head>'
                    '<body><p>x</p><img src="http://127.0.0.1:9/x.png"></body></html>')
    assert len(external(page.read_text())) == 2
    got = render(page, tmp_path / "bad.png", height=300)
    assert any("Content Security Policy" in line for line in got.console), got.log[-2000:]
