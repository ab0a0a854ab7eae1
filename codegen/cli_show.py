"""What the front doors print after a build and a run (and `run_and_show`: the `run` command, from
typed options to the files beside the build and the lines on the terminal)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

import numpy as np

from codegen.options import RunOptions
from codegen.pio.project import Project
from codegen.report import BuildReport, TensorInfo
from codegen.run import RunFailed, RunResult, run_project
from codegen.term import kb, kv, kv_line, num, pct, say

if TYPE_CHECKING:
    from codegen.reports.run_report import ReportFiles


PROFILE_LINES = 16


def show_build(rep: BuildReport, project: Project) -> None:
    b = project.board
    say(f"built {rep.model_name} for {b.name} ({b.title}, {b.core.name}, {rep.kernel_variant} kernels)")
    if rep.flash_budget is None:  # a program under an OS: sizes, no budget
        kv("program", f"{kb(rep.flash_bytes)}  code {kb(rep.code_bytes)} (with the C library), model data "
           f"{kb(rep.model_data_bytes)}; static RAM {kb(rep.ram_bytes)}, arena {kb(rep.arena_bytes)}")
    else:
        kv("flash", f"{kb(rep.flash_bytes)} of {kb(rep.flash_budget)} ({pct(rep.flash_bytes, rep.flash_budget)})"
           f"  code {kb(rep.code_bytes)}, model data {kb(rep.model_data_bytes)}")
        kv("RAM", f"{kb(rep.ram_bytes)} of {kb(rep.ram_budget)} ({pct(rep.ram_bytes, rep.ram_budget)})"
           f"  arena {kb(rep.arena_bytes)}")
    kv("model", f"{rep.n_ops} ops, {num(rep.macs)} MACs: {', '.join(rep.ops)}")
    made = ["firmware"] if b.hosted else ["firmware.elf", ".bin", ".hex"]
    kv("outputs", f"{project.dir}/{' '.join(made)} .map report.json")


def run_and_show(project: Project, options: RunOptions) -> RunResult:
    """`scons run`: run, print, and write run.json and the reports (+ PNGs) beside the build; a run that
    fails part-way writes run.failed.json and report.failed.md/.html beside the last good ones (kept),
    then raises RunFailed."""
    from codegen.reports.run_report import save_run
    failed: RunFailed | None = None
    try:
        res = run_project(project, options)
    except RunFailed as exc:
        failed, res = exc, exc.result
    files = save_run(res, project.dir)
    show_run(res, project)
    for line in files_lines(files, kept=failed is not None):
        say(line)
    if failed is not None:
        raise failed
    return res


def files_lines(files: ReportFiles, kept: bool = False, shown_dir: str | None = None) -> list[str]:
    """What a run wrote; `shown_dir`: the directory as shown in place of the real one (documentation)."""
    def at(p: Path) -> str:
        return f"{shown_dir}/{p.name}" if shown_dir is not None else str(p)
    out = [kv_line("wrote", at(files.json) + (" (the last good run.json is kept)" if kept else "")) if files.json else "",
           kv_line("report", f"{at(files.markdown)} (+ {', '.join(p.name for p in files.plots) or 'no plots'})")]
    if files.html is not None:
        out.append(kv_line("html report", f"{at(files.html)} (one file, plots included: open it in a browser)"))
    return [x for x in out if x]


def show_run(res: RunResult, project: Project) -> None:
    outputs = [TensorInfo(t.name, t.dtype.name.lower(), tuple(t.shape)) for t in project.compiled.outputs]
    for line in run_lines(res, project.model_path.name, outputs):
        say(line)


def run_lines(res: RunResult, model: str, outputs: Sequence[TensorInfo]) -> list[str]:
    """The terminal lines of a run (`outputs`: the model's output tensors, for their types and shapes)."""
    out = [f"ran {model} on {res.board}: {res.target or 'target not reached'}"]

    def kv(key: str, value: str) -> None:
        out.append(kv_line(key, value))
    if res.failure is not None:
        f = res.failure
        kv("FAILED", f"{f.kind}: {f.message}")
        if f.location:
            kv("", f"pc in {f.location}")
        if f.ended:
            kv("", f"the target {f.ended}")
    if res.input:
        label = f" (label {res.label})" if res.label is not None else ""
        kv("input", f"{res.input}{label}")
    for k, (raw, deq) in enumerate(zip(res.outputs, res.outputs_dequantized)):
        t = outputs[k]
        flat = np.asarray(raw).reshape(-1)
        kv(f"output {k}", f"{t.dtype}[{'x'.join(map(str, t.shape))}] = {np.array2string(flat, max_line_width=200)}")
        d = np.asarray(deq).reshape(-1)
        if d.size <= 32:
            top = int(np.argmax(d))
            kv("", "dequantised " + np.array2string(d, precision=3, suppress_small=True, max_line_width=200))
            kv("", f"top-1: class {top} ({d[top]:.3f})")
    stats = res.per_inference
    if stats is not None:
        if res.unit == "instructions":
            kv("instructions", f"{num(stats.p50)} per inference (p50 of n={res.n}; max {num(stats.max)})")
        elif res.unit == "cycles":
            kv("cycles", f"{num(stats.p50)} per inference (p50 of n={res.n}; p99 {num(stats.p99)})")
    if res.latency_us is not None:
        lat = res.latency_us
        kv("latency", f"{lat.p50 / 1000:.3f} ms p50, {lat.p99 / 1000:.3f} ms p99  [{res.latency_basis}]")
    est = res.estimated_cycles
    if est is not None:
        at = "" if est.latency_us is None else \
            f" = {est.latency_us.p50 / 1000:.3f} ms at {est.clock_hz / 1e6:g} MHz"
        kv("est. cycles", f"{num(est.per_inference.p50)} per inference{at} (p50)  [an estimate: instructions by "
           f"class x {est.file}; zero wait states]")
    if res.pin is not None:
        pin = res.pin
        verdict = "match" if pin.ok else "MISMATCH"
        widths = ""
        if pin.widths_us:
            w = np.asarray(pin.widths_us)
            widths = f"; pulse width {np.percentile(w, 50) / 1000:.3f} ms p50, {w.max() / 1000:.3f} ms max"
        kv("timing pin", f"{pin.observed}/{pin.expected} pulses ({verdict}){widths}  [{pin.source}]")
    if res.profile:
        total = sum(p.value for p in res.profile) or 1.0
        shown = res.profile if len(res.profile) <= PROFILE_LINES else \
            sorted(sorted(res.profile, key=lambda p: -p.value)[:PROFILE_LINES], key=lambda p: p.index)
        estimated = all(p.estimated_cycles is not None for p in res.profile)
        est_total = sum(p.estimated_cycles or 0.0 for p in res.profile)
        kv("profile", f"{num(total)} {res.unit}"
           + (f" (est. {num(est_total)} cycles)" if estimated else "") + f" over {len(res.profile)} operators"
           + ("" if shown is res.profile else f" (the {PROFILE_LINES} largest)"))
        width = max(len(p.op) for p in shown)
        for p in shown:
            cyc = f" {num(p.estimated_cycles):>12} est. cycles" if p.estimated_cycles is not None else ""
            kv("", f"#{p.index:<3} {p.op:<{width}}  {num(p.value):>12} {100 * p.value / total:5.1f}%{cyc}  {p.summary}")
    mem = res.memory
    if mem is not None and mem.flash_bytes is not None and mem.flash_budget is None:
        kv("program", f"{kb(mem.flash_bytes)}; static RAM {kb(mem.ram_bytes)}; arena {kb(mem.arena_bytes)}")
    elif mem is not None and mem.flash_bytes is not None:
        kv("flash", f"{kb(mem.flash_bytes)} of {kb(mem.flash_budget)} ({pct(mem.flash_bytes, mem.flash_budget)})"
           f"; RAM {kb(mem.ram_bytes)} of {kb(mem.ram_budget)} ({pct(mem.ram_bytes or 0, mem.ram_budget)})"
           f"; arena {kb(mem.arena_bytes)}")
    if res.peak_rss_bytes:
        kv("peak RSS", f"{kb(res.peak_rss_bytes)} (the whole process, at exit)")
    if res.stack_used_bytes:
        kv("stack", f"{kb(res.stack_used_bytes)} used of {kb(res.stack_size_bytes)}")
    if res.peak_ram is not None:
        kv("peak RAM", f"{kb(res.peak_ram.total)} = {res.peak_ram.describe()} (the model's; the harness's apart)")
    if res.link.retries or res.link.bad_frames:
        kv("link", f"{res.link.retries} retries, {res.link.bad_frames} corrupted frames")
    return out
