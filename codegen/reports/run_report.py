"""``report.md`` for one run, beside ``run.json``: outputs, latency (counts and, when captured, the
timing pin), the per-layer profile by operator name, memory by component, the link and the target's
states, with PNG plots (``latency.png``, ``layers.png``, ``memory.png``). A failed run gets a report
too: the failure first, then whatever was gathered before it.

:func:`save_run` writes a run's files into its build directory without losing anything: a complete
run replaces ``run.json``, ``report.md`` and the plots together, once all are written; a failed run
writes ``run.failed.json``, ``report.failed.md`` and ``*.failed.png`` beside the last good set, which
stays as it was. A complete run removes an earlier failure's files (they no longer describe the
build's latest run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.files import Staging
from codegen.report import BuildReport, read_report
from codegen.floatref import FloatReport, float_markdown, read_float_report
from codegen.reports import plots
from codegen.reports.memory import Breakdown, breakdown
from codegen.run import RunResult, write_run
from codegen.term import kb

PLOTS = ("latency", "layers", "memory")
FAILED = ".failed"


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    plots: tuple[Path, ...]
    json: Path | None = None


def run_files(suffix: str = "") -> tuple[str, ...]:
    """The names of one run's files: run.json, report.md and the plots (suffix ".failed": a failed run's)."""
    return (f"run{suffix}.json", f"report{suffix}.md", *(f"{p}{suffix}.png" for p in PLOTS))


def _kb(n: int | None) -> str:
    return kb(n)


def _pct(a: int | None, b: int | None) -> str:
    return f"{100 * a / b:.1f}%" if a is not None and b else "-"


def _table(head: list[str], rows: list[list[str]], align: str = "") -> list[str]:
    al = align or "l" + "r" * (len(head) - 1)
    sep = ["---:" if a == "r" else "---" for a in al]
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(sep) + " |"] + ["| " + " | ".join(r) + " |" for r in rows]


def write_run_report(run: RunResult, out_dir: Path, build: BuildReport | None = None,
                     memory: Breakdown | None = None, floats: FloatReport | None = None,
                     suffix: str = "") -> ReportFiles:
    """report<suffix>.md and its plots (<name><suffix>.png) in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made: list[Path] = []
    title = f"{build.model_name if build else run.model or 'model'} on {run.board}"
    md = [f"# {title}", ""]
    md.append(f"{run.target or 'target not reached'}" + (f" · mcuforge {build.mcuforge}" if build else "")
              + (f" · model sha256 `{build.model_sha256[:16]}…`" if build and build.model_sha256 else ""))
    md.append("")
    if run.failure is not None:
        f = run.failure
        md += ["## FAILED", "", f"**{f.kind}**: {f.message}", ""]
        if f.ended:
            md += [f"The target {f.ended}.", ""]
        if f.registers:
            md += _table(["register", "value"], [[k, f"`0x{v:08x}`"] for k, v in f.registers.items()], "lr")
            md.append("")
        if f.location:
            md += [f"pc is in `{f.location}`", ""]
        if f.target_log:
            md += ["```", f.target_log[-1500:], "```", ""]
        md += ["What was gathered before the failure follows.", ""]
    else:
        md += ["Status: **complete**", ""]

    if run.outputs:
        md += ["## Outputs", "", f"Input: {run.input}" + (f" (label {run.label})" if run.label is not None else ""), ""]
        rows = []
        for k, (raw, deq) in enumerate(zip(run.outputs, run.outputs_dequantized or run.outputs)):
            flat = np.asarray(raw).reshape(-1)
            d = np.asarray(deq, dtype=np.float64).reshape(-1)
            shown = np.array2string(flat[:16], max_line_width=10_000) + (" …" if flat.size > 16 else "")
            top = f"class {int(np.argmax(d))} ({d.max():.3f})" if 1 < d.size <= 1000 else "-"
            rows.append([str(k), f"`{shown}`", top])
        md += _table(["output", "values", "top-1"], rows, "llr") + [""]

    if floats is not None:
        md += float_markdown(floats)

    if run.counts:
        md += ["## Latency", ""]
        rows = []
        if run.per_inference:
            s = run.per_inference
            rows.append([run.unit, *(f"{v:,.0f}" for v in (s.p50, s.p90, s.p99, s.max))])
        if run.latency_us:
            s = run.latency_us
            rows.append(["µs", *(f"{v:,.1f}" for v in (s.p50, s.p90, s.p99, s.max))])
        if run.pin is not None and run.pin.widths_us:
            w = np.asarray(run.pin.widths_us)
            rows.append(["µs, timing pin", *(f"{v:,.1f}" for v in
                                             (np.percentile(w, 50), np.percentile(w, 90), np.percentile(w, 99), w.max()))])
        md += _table([f"over {run.n} inferences", "p50", "p90", "p99", "max"], rows) + [""]
        md += [f"Basis: {run.latency_basis}.", ""]
        p = plots.latency_histogram(run.values() if run.per_tick else list(run.counts),
                                    run.unit if run.per_tick else "counter ticks", out_dir / f"latency{suffix}.png",
                                    title=f"{run.unit} per inference, n={len(run.counts)}")
        made.append(p)
        md += [f"![latency histogram]({p.name})", ""]

    if run.pin is not None:
        pin = run.pin
        md += ["## Timing pin", "", f"Source: {pin.source}. Pulses: {pin.observed} observed, {pin.expected} expected; "
               + ("order and count **match** the requests." if pin.ok else "**mismatch**."), ""]
        if pin.widths_us:
            us_per = run.micros()[-len(pin.widths_us):]
            rows = [[str(i), f"{w:,.2f}", f"{u:,.2f}" if us_per else "-"]
                    for i, (w, u) in enumerate(zip(pin.widths_us, us_per or [0.0] * len(pin.widths_us)))][:20]
            md += _table(["inference", "pulse width µs", "counter µs"], rows) + [""]
            if pin.resolution_us:
                md += [f"Resolution: {pin.resolution_us:g} µs (one sample).", ""]
        if pin.note:
            md += [pin.note + ".", ""]

    if run.profile:
        total = sum(p.value for p in run.profile) or 1.0
        md += ["## Per-layer profile", ""]
        rows = [[str(p.index), p.op, p.summary or "-", f"{p.macs:,}", f"{p.value:,.0f}", f"{100 * p.value / total:.1f}%",
                 f"{p.macs / p.value:.3f}" if p.value and p.macs else "-"] for p in run.profile]
        md += _table(["#", "op", "tensors", "MACs", run.unit, "share", f"MACs per {run.unit.rstrip('s')}"],
                     rows, "lllrrrr") + [""]
        p = plots.layer_bars([f"{q.index} {q.op}" for q in run.profile], [q.value for q in run.profile], run.unit,
                             out_dir / f"layers{suffix}.png", title=f"per-layer {run.unit}")
        made.append(p)
        md += [f"![per-layer profile]({p.name})", ""]

    if build is not None or run.memory is not None:
        mem = run.memory
        flash = build.flash_bytes if build else (mem.flash_bytes if mem else None)
        ram = build.ram_bytes if build else (mem.ram_bytes if mem else None)
        fb = build.flash_budget if build else (mem.flash_budget if mem else None)
        rb = build.ram_budget if build else (mem.ram_budget if mem else None)
        md += ["## Memory", ""]
        rows = [["flash", _kb(flash), _kb(fb), _pct(flash, fb)], ["RAM (static)", _kb(ram), _kb(rb), _pct(ram, rb)]]
        if build and build.arena_bytes is not None:
            rows.append(["arena", _kb(build.arena_bytes), "", ""])
        if run.stack_used_bytes:
            rows.append(["stack (used / reserved)", _kb(run.stack_used_bytes), _kb(run.stack_size_bytes), _pct(
                run.stack_used_bytes, run.stack_size_bytes)])
        md += _table(["", "used", "budget", "share"], rows) + [""]
        if memory is not None and (memory.flash or memory.ram):
            comps = [c for c, _ in memory.flash] + [c for c, _ in memory.ram if c not in dict(memory.flash)]
            fl, rm = dict(memory.flash), dict(memory.ram)
            md += _table(["component", "flash", "RAM"], [[c, _kb(fl.get(c)), _kb(rm.get(c))] for c in comps]) + [""]
            p = plots.memory_bars(memory.flash, memory.ram, out_dir / f"memory{suffix}.png", fb, rb)
            made.append(p)
            md += [f"![memory by component]({p.name})", ""]
            if memory.largest:
                md += ["Largest sections:", ""]
                md += _table(["section", "component", "bytes"],
                             [[f"`{q.section}`", q.component, f"{q.size:,}"] for q in memory.largest[:8]]) + [""]

    if run.link.frames_sent:
        md += ["## Link", "", f"{run.link.frames_sent} requests, {run.link.retries} retries, "
               f"{run.link.bad_frames} corrupted frames detected.", ""]
    if run.states:
        md += ["## Target states", ""]
        md += _table(["from", "to", "seconds", "note"],
                     [[s.source, s.target, f"{s.seconds:.2f}", s.note] for s in run.states], "llrl") + [""]
    path = out_dir / f"report{suffix}.md"
    path.write_text("\n".join(md).rstrip() + "\n")
    return ReportFiles(markdown=path, plots=tuple(made))


def _build_of(project_dir: Path) -> tuple[BuildReport | None, Breakdown | None]:
    """The build's report.json and its memory by component (from the map file)."""
    build = read_report(project_dir)
    elf = next((p for p in (project_dir / "firmware.elf", project_dir / "firmware") if p.is_file()), None)
    map_file = project_dir / "firmware.map"
    mem = breakdown(map_file, elf, build.stack_bytes if build else None) if elf and map_file.is_file() else None
    return build, mem


def save_run(run: RunResult, project_dir: Path) -> ReportFiles:
    """run.json and report.md (+ plots) of a run of the build in `project_dir` (its report.json and map
    file give the memory sections); a failed run's as run.failed.json and report.failed.md."""
    project_dir = Path(project_dir)
    build, mem = _build_of(project_dir)
    suffix = "" if run.complete else FAILED
    stale = run_files(suffix) + (run_files(FAILED) if run.complete else ())
    with Staging(project_dir) as staging:
        staged = write_run_report(run, staging.dir, build, mem, read_float_report(project_dir), suffix)
        write_run(run, staging.dir / f"run{suffix}.json")
        staging.commit(last=f"run{suffix}.json", stale=stale)
    return ReportFiles(markdown=project_dir / staged.markdown.name,
                       plots=tuple(project_dir / p.name for p in staged.plots), json=project_dir / f"run{suffix}.json")


def refresh_report(project_dir: Path) -> ReportFiles | None:
    """report.md (+ plots) of the build's last good run, written again (after a validation: its float
    metrics); run.json and a failed run's files are left as they are."""
    from codegen.run import read_run
    project_dir = Path(project_dir)
    if not (project_dir / "run.json").is_file():
        return None
    run = read_run(project_dir / "run.json")
    build, mem = _build_of(project_dir)
    with Staging(project_dir) as staging:
        staged = write_run_report(run, staging.dir, build, mem, read_float_report(project_dir))
        staging.commit(stale=run_files()[1:])
    return ReportFiles(markdown=project_dir / staged.markdown.name,
                       plots=tuple(project_dir / p.name for p in staged.plots), json=project_dir / "run.json")
