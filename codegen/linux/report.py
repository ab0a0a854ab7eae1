"""What `bench` on a Linux board shows: the side-by-side table (markdown, also printed) and the plot
(p50 with p99 whiskers, peak RSS), from a :class:`~codegen.linux.bench.BenchResult`."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from codegen.linux.records import BenchResult, RuntimeResult
from codegen.options.records import LinuxBenchOptions
from codegen.term import kb

if TYPE_CHECKING:
    from codegen.pio.project import Project

HEADER = ("runtime", "p50 µs", "p90 µs", "p99 µs", "max µs", "peak RSS", "perf per inference", "outputs vs TFLM")


def _us(v: float) -> str:
    return f"{v:,.1f}" if v < 100 else f"{v:,.0f}"


def row(r: RuntimeResult) -> tuple[str, ...]:
    lat = r.latency_us
    return (r.title, _us(lat.p50), _us(lat.p90), _us(lat.p99), _us(lat.max), kb(r.peak_rss_bytes),
            r.counters.describe(), r.agreement.describe())


def markdown(result: BenchResult) -> str:
    lines = [f"**{result.model} on {result.board}** ({result.target}; {result.inputs}; "
             f"{result.results[0].warmup} warm-up + {result.results[0].n} timed runs; "
             f"{result.threads} thread{'s' if result.threads > 1 else ''})", "",
             "| " + " | ".join(HEADER) + " |", "| --- |" + " ---: |" * 6 + " --- |"]
    lines += ["| " + " | ".join(row(r)) + " |" for r in result.results]
    lines += ["", f"Timing: {result.timing}." + (" Emulated: compare nothing here with a real board." if result.emulated
                                                  else "") + f" perf stat: {result.perf}."]
    lines += ["", "Versions: " + "; ".join(f"{r.title}: {r.version} ({r.model})" for r in result.results) + "."]
    return "\n".join(lines) + "\n"


def summary_table(results: Sequence[BenchResult]) -> str:
    """Several models on one board: the README's table."""
    head = ("model", "runtime", "p50 µs", "p99 µs", "peak RSS", "outputs vs TFLM")
    lines = ["| " + " | ".join(head) + " |", "| --- | --- | ---: | ---: | ---: | --- |"]
    for res in results:
        for r in res.results:
            lines.append(f"| {res.model} | {r.title} | {_us(r.latency_us.p50)} | {_us(r.latency_us.p99)} | "
                         f"{kb(r.peak_rss_bytes)} | {r.agreement.describe()} |")
    versions = dict.fromkeys(f"{r.title}: {r.version}" for res in results for r in res.results)
    first = results[0]
    lines += ["", f"Where: {first.target}; {first.results[0].warmup} warm-up + {first.results[0].n} timed runs; "
                  f"{first.threads} thread{'s' if first.threads > 1 else ''}; " + "; ".join(versions) +
                  f". perf stat: {first.perf}."]
    return "\n".join(lines) + "\n"


def plot(result: BenchResult, path: Path) -> Path:
    from codegen.reports.plots import _pyplot, _save
    plt = _pyplot()
    names = [r.title for r in result.results]
    p50 = [r.latency_us.p50 for r in result.results]
    p99 = [r.latency_us.p99 for r in result.results]
    rss = [(r.peak_rss_bytes or 0) / (1024 * 1024) for r in result.results]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9.0, 3.4))
    x = range(len(names))
    a.bar(x, p50, color="#4c72b0", label="p50")
    a.errorbar(x, p50, yerr=[[0] * len(p50), [q - p for p, q in zip(p50, p99)]], fmt="none", ecolor="black",
               capsize=4, label="p99")
    a.set_xticks(list(x), names)
    a.set_ylabel("latency per inference (µs)" + (" [emulated]" if result.emulated else ""))
    a.legend()
    b.bar(x, rss, color="#dd8452")
    b.set_xticks(list(x), names)
    b.set_ylabel("peak RSS (MiB)")
    fig.suptitle(f"{result.model} on {result.board}" + (" (emulated: QEMU user mode)" if result.emulated else ""))
    return _save(fig, path)


def bench_and_show(project: "Project", options: LinuxBenchOptions) -> BenchResult:
    """`scons board=<linux board> model=M bench`: compare the runtimes, print the table, write
    bench.json, bench.md and bench.png beside the build."""
    from codegen.hil.hwmap import load_hardware_map
    from codegen.linux.bench import bench, write_bench
    from codegen.run import request_for
    from codegen.term import kv, say
    entry = load_hardware_map(options.target.hwmap).entry(project.board.name)
    say(f"comparing runtimes for {project.model_path.name} on {project.board.name}")
    result = bench(project, options, request_for(options.target, project.board),
                   python=entry.python if entry else None, progress=say)
    text = markdown(result)
    say("")
    say(text)
    js = write_bench(result, project.dir)
    (project.dir / "bench.md").write_text(text)
    png = plot(result, project.dir / "bench.png")
    kv("wrote", f"{js}, bench.md, {png.name}")
    return result
