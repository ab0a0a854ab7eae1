"""report.md, report.html and the PNG plots for one run: a complete run with a profile and pin widths,
a failed run (the failure first, then what was gathered), and identical files for identical data."""

from __future__ import annotations

from codegen.reports.run_report import write_run_report
from codegen.run import RunFailure, RunResult, Stats
from support.browser import external, tags
from support.reports import BUILD, BUILD_TIMELINE, LAYOUT, MEMORY, PNG, RUN

def test_complete_run_report(tmp_path):
    files = write_run_report(RUN, tmp_path, BUILD, MEMORY, layout=LAYOUT)
    md = files.markdown.read_text()
    for section in ("# kws.tflite on stm32l475", "Status: **complete**", "## Outputs", "## Latency",
                    "## Timing pin", "## Per-layer profile", "## Memory", "## Link", "## Target states"):
        assert section in md
    assert "| cycles | 8,000 |" in md and "| µs, timing pin | 100.5 |" in md
    assert "| 0 | CONV_2D | int8[1x8x8x1] -> int8[1x8x8x8] | 4,608 | 6,000 | 75.0% | 0.768 |" in md
    assert "class 3 (0.996)" in md and "| weights | 19.5 KB | - |" in md
    assert [p.name for p in files.plots] == ["latency.png", "layers.png", "memory.png"]
    assert all(p.read_bytes().startswith(PNG) for p in files.plots)
    for p in files.plots:
        assert f"]({p.name})" in md
    assert "| flash | 25.4 KB | 3.9 KB | 994.7 KB | 1 MB |" in md  # the model's, the harness's, free, size
    assert "[report.html](report.html)" in md


def test_the_html_report_holds_the_same_with_the_plots_inside(tmp_path):
    files = write_run_report(RUN, tmp_path, BUILD, MEMORY, layout=LAYOUT)
    html = files.html.read_text()
    assert files.html.name == "report.html" and html.startswith("<!DOCTYPE html>")
    assert html.index('id="summary"') < html.index('id="plots"') < html.index('id="per-layer-profile"')
    assert html.count('src="data:image/png;base64,') == 3 and "<script" not in html
    for text in ("complete", "8,000", "class 3 (0.996)", "29.3 KB of 1 MB", "0x08002710–0x0800752f", "weights 17.6 KB, "
                 "params 2.0 KB", "DWT cycle counter at 80 MHz", 'href="report.md"', 'href="run.json"'):
        assert text in html, text


def test_memory_over_time_plot_with_the_peak_ram(tmp_path):
    """A build that recorded its memory timeline gets timeline.png (bytes alive per operator, the peak
    marked, the board's RAM as a line) in both reports, and the peak RAM with the stack the run measured:
    arena 2,000 + scratch 256 + stack 300 (measured) + state 16 = 2,572 B; the harness's RAM apart."""
    files = write_run_report(RUN, tmp_path, BUILD_TIMELINE, MEMORY, layout=LAYOUT)
    assert [p.name for p in files.plots] == ["latency.png", "layers.png", "memory.png", "timeline.png"]
    assert (tmp_path / "timeline.png").read_bytes().startswith(PNG)
    md = files.markdown.read_text()
    assert "![memory over one inference](timeline.png)" in md
    assert "| peak RAM, the model's (stack measured) | 2.5 KB | 96 KB | 2.6% |" in md
    assert "| RAM, the harness's (input staging, protocol buffers, C library) | 2.6 KB |" in md  # 9,000-4,096-2,272
    html = files.html.read_text()
    assert html.count('src="data:image/png;base64,') == 4 and "The model&#39;s RAM over one inference" in html
    assert "arena 2.0 KB + scratch 256 B + stack 300 B (measured) + state 16 B" in html
    assert "2.5 KB of 96 KB, stack measured" in html   # the meter against the board's RAM
    # without a timeline (a report.json from before it was recorded) there is no such plot, nothing fails
    assert "timeline.png" not in [p.name for p in write_run_report(RUN, tmp_path / "old", BUILD, MEMORY).plots]


def test_failed_run_report_leads_with_the_failure(tmp_path):
    failed = RunResult(board="mps2-an386", target="QEMU mps2-an386", n=4, counts=(10, 10, 10, 10),
                       unit="instructions", per_tick=40.0, clock_hz=25_000_000, per_inference=Stats.of([400] * 4),
                       failure=RunFailure(kind="fault", message="the device faulted: hardfault: ...",
                                          fault_kind="hardfault", registers={"pc": 0x134A, "hfsr": 0x40000000},
                                          location="mf_selftest_hardfault+0xa", target_log="qemu says bye"))
    files = write_run_report(failed, tmp_path, suffix=".failed")
    md = files.markdown.read_text()
    assert md.index("## FAILED") < md.index("## Latency")
    assert "| hfsr | `0x40000000` |" in md and "`mf_selftest_hardfault+0xa`" in md and "qemu says bye" in md
    assert "[report.failed.html](report.failed.html)" in md
    html = files.html.read_text()
    assert files.html.name == "report.failed.html" and 'class="verdict bad"' in html and ">FAILED<" in html
    assert html.index('id="summary"') < html.index('id="latency"') < html.index('id="what-failed"')
    assert "0x40000000" in html and "mf_selftest_hardfault+0xa" in html and "qemu says bye" in html
    assert "Basis: ." not in md and "Basis: ." not in html        # no basis recorded: no empty sentence


def test_names_from_users_are_escaped(tmp_path):
    evil = '<script>alert("x")</script><img src="http://example.com/x.png">'
    run = RunResult(board="stm32l475", target=evil, model=evil + ".tflite", input=evil, n=1, counts=(5,),
                    unit="instructions", per_tick=1.0, per_inference=Stats.of([5.0]),
                    outputs=([[1, 2]],), outputs_dequantized=([[0.1, 0.2]],))
    html = write_run_report(run, tmp_path).html.read_text()
    assert "script" not in tags(html) and tags(html).count("img") == 1  # the latency plot, nothing injected
    assert not external(html) and "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html


def test_same_data_same_files(tmp_path):
    a = write_run_report(RUN, tmp_path / "a", BUILD, MEMORY, layout=LAYOUT)
    b = write_run_report(RUN, tmp_path / "b", BUILD, MEMORY, layout=LAYOUT)
    assert a.markdown.read_text() == b.markdown.read_text() and a.html.read_text() == b.html.read_text()
    assert [p.read_bytes() for p in a.plots] == [p.read_bytes() for p in b.plots]
