"""What the front doors print after a build and a run (and `run_and_show`: the `run` command, from
typed options to the files beside the build and the lines on the terminal)."""

from __future__ import annotations

import numpy as np

from codegen.options import RunOptions
from codegen.pio.project import Project
from codegen.report import BuildReport
from codegen.run import RunFailed, RunResult, run_project
from codegen.term import kb, kv, num, pct, say


PROFILE_LINES = 16


def show_build(rep: BuildReport, project: Project) -> None:
    b = project.board
    say(f"built {rep.model_name} for {b.name} ({b.title}, {b.core.name}, {rep.kernel_variant} kernels)")
    kv("flash", f"{kb(rep.flash_bytes)} of {kb(rep.flash_budget)} ({pct(rep.flash_bytes, rep.flash_budget)})"
       f"  code {kb(rep.code_bytes)}, model data {kb(rep.model_data_bytes)}")
    kv("RAM", f"{kb(rep.ram_bytes)} of {kb(rep.ram_budget)} ({pct(rep.ram_bytes, rep.ram_budget)})"
       f"  arena {kb(rep.arena_bytes)}")
    kv("model", f"{rep.n_ops} ops, {num(rep.macs)} MACs: {', '.join(rep.ops)}")
    made = ["firmware"] if b.native else ["firmware.elf", ".bin", ".hex"]
    kv("outputs", f"{project.dir}/{' '.join(made)} .map report.json")


def run_and_show(project: Project, options: RunOptions) -> RunResult:
    """`scons run`: run, print, and write run.json and report.md (+ PNGs) beside the build; a run that
    fails part-way writes run.failed.json and report.failed.md beside the last good ones (kept), then
    raises RunFailed."""
    from codegen.reports.run_report import save_run
    failed: RunFailed | None = None
    try:
        res = run_project(project, options)
    except RunFailed as exc:
        failed, res = exc, exc.result
    files = save_run(res, project.dir)
    show_run(res, project)
    kv("wrote", str(files.json) + ("" if failed is None else " (the last good run.json is kept)"))
    kv("report", f"{files.markdown} (+ {', '.join(p.name for p in files.plots) or 'no plots'})")
    if failed is not None:
        raise failed
    return res


def show_run(res: RunResult, project: Project) -> None:
    m = project.compiled
    say(f"ran {project.model_path.name} on {res.board}: {res.target or 'target not reached'}")
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
        t = m.outputs[k]
        flat = np.asarray(raw).reshape(-1)
        kv(f"output {k}", f"{t.dtype.name.lower()}[{'x'.join(map(str, t.shape))}] = {np.array2string(flat, max_line_width=200)}")
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
        kv("profile", f"{num(total)} {res.unit} over {len(res.profile)} operators"
           + ("" if shown is res.profile else f" (the {PROFILE_LINES} largest)"))
        width = max(len(p.op) for p in shown)
        for p in shown:
            kv("", f"#{p.index:<3} {p.op:<{width}}  {num(p.value):>12} {100 * p.value / total:5.1f}%  {p.summary}")
    mem = res.memory
    if mem is not None and mem.flash_bytes is not None:
        kv("flash", f"{kb(mem.flash_bytes)} of {kb(mem.flash_budget)} ({pct(mem.flash_bytes, mem.flash_budget)})"
           f"; RAM {kb(mem.ram_bytes)} of {kb(mem.ram_budget)} ({pct(mem.ram_bytes or 0, mem.ram_budget)})"
           f"; arena {kb(mem.arena_bytes)}")
    if res.stack_used_bytes:
        kv("stack", f"{kb(res.stack_used_bytes)} used of {kb(res.stack_size_bytes)}")
    if res.link.retries or res.link.bad_frames:
        kv("link", f"{res.link.retries} retries, {res.link.bad_frames} corrupted frames")
