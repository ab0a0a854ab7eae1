"""``report.md`` and ``report.html`` for one run, beside ``run.json``: outputs, latency (counts and,
when captured, the timing pin), the per-layer profile by operator name, memory (against the budget,
by component, and the memory map: what each address range of every region holds, the model's or the
harness's), the link and the target's states, with PNG plots (``latency.png``, ``layers.png``,
``memory.png``, and ``timeline.png``: the model's RAM over one inference, operator by operator, with
its peak). The HTML file holds the same with the plots embedded (:mod:`codegen.reports.html`).
A failed run gets a report too: the failure first, then whatever was gathered before it.

:func:`save_run` writes a run's files into its build directory without losing anything: a complete
run replaces ``run.json``, the reports and the plots together, once all are written; a failed run
writes ``run.failed.json``, ``report.failed.md``/``.html`` and ``*.failed.png`` beside the last good
set, which stays as it was. A complete run removes an earlier failure's files (they no longer describe
the build's latest run)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.files import Staging
from codegen.floatref import FLOAT_HEAD, FloatReport, float_markdown, float_rows, read_float_report
from codegen.peakram import PeakRam
from codegen.report import BuildReport, read_report
from codegen.reports import plots
from codegen.reports.html import Fact, Figure, Link, Meter, Page, Section, Table, Tone, Verdict, markdown_link, \
    write_html
from codegen.reports.memory import Breakdown, MemoryMap, breakdown, memory_map
from codegen.run import RunResult, write_run
from codegen.term import kb

PLOTS = ("latency", "layers", "memory", "timeline")
FAILED = ".failed"


@dataclass(frozen=True)
class ReportFiles:
    markdown: Path
    plots: tuple[Path, ...]
    json: Path | None = None
    html: Path | None = None


def run_files(suffix: str = "") -> tuple[str, ...]:
    """The names of one run's files: run.json, the reports and the plots (suffix ".failed": a failed run's)."""
    return (f"run{suffix}.json", f"report{suffix}.md", f"report{suffix}.html", *(f"{p}{suffix}.png" for p in PLOTS))


def _pct(a: int | None, b: int | None) -> str:
    return f"{100 * a / b:.1f}%" if a is not None and b else "-"


def md_lines(table: Table) -> list[str]:
    return table.markdown() + [""]


# --- the tables, shared by both reports ----------------------------------------------------------------

def outputs_table(run: RunResult) -> Table:
    rows = []
    for k, (raw, deq) in enumerate(zip(run.outputs, run.outputs_dequantized or run.outputs)):
        flat = np.asarray(raw).reshape(-1)
        d = np.asarray(deq, dtype=np.float64).reshape(-1)
        shown = np.array2string(flat[:16], max_line_width=10_000) + (" …" if flat.size > 16 else "")
        rows.append((str(k), shown, top1(d)))
    return Table(("output", "values", "top-1"), tuple(rows), "llr")


def top1(d: np.ndarray) -> str:
    return f"class {int(np.argmax(d))} ({d.max():.3f})" if 1 < d.size <= 1000 else "-"


def latency_table(run: RunResult) -> Table:
    rows = []
    if run.per_inference:
        s = run.per_inference
        rows.append((run.unit, *(f"{v:,.0f}" for v in (s.p50, s.p90, s.p99, s.max))))
    if run.latency_us:
        s = run.latency_us
        rows.append(("µs", *(f"{v:,.1f}" for v in (s.p50, s.p90, s.p99, s.max))))
    if run.pin is not None and run.pin.widths_us:
        w = np.asarray(run.pin.widths_us)
        rows.append(("µs, timing pin", *(f"{v:,.1f}" for v in
                                         (np.percentile(w, 50), np.percentile(w, 90), np.percentile(w, 99), w.max()))))
    est = run.estimated_cycles
    if est is not None:
        s = est.per_inference
        rows.append(("estimated cycles", *(f"{v:,.0f}" for v in (s.p50, s.p90, s.p99, s.max))))
        if est.latency_us is not None:
            s = est.latency_us
            rows.append((f"estimated µs at {est.clock_hz / 1e6:g} MHz", *(f"{v:,.1f}" for v in (s.p50, s.p90, s.p99, s.max))))
    return Table((f"over {run.n} inferences", "p50", "p90", "p99", "max"), tuple(rows))


def estimate_text(run: RunResult) -> str:
    est = run.estimated_cycles
    assert est is not None
    return (f"Estimated cycles are an **estimate**, not a measurement: every executed instruction counted by "
            f"class under QEMU (tools/qemu-plugin), weighted by the {est.title} timings of `{est.file}` "
            f"(sources cited there). It ignores: {'; '.join(est.ignores)}.")


def estimate_functions_table(run: RunResult) -> Table:
    est = run.estimated_cycles
    assert est is not None
    rows = [(f.name, f"{f.instructions:,}", f"{f.estimated_cycles:,.0f}",
             f"{100 * f.estimated_cycles / (est.per_inference.p50 or 1):.1f}%") for f in est.functions[:10]]
    return Table(("function", "instructions", "estimated cycles", "share"), tuple(rows), "lrrr")


def pin_text(run: RunResult) -> str:
    pin = run.pin
    assert pin is not None
    return (f"Source: {pin.source}. Pulses: {pin.observed} observed, {pin.expected} expected; "
            + ("order and count match the requests." if pin.ok else "mismatch."))


def pin_table(run: RunResult) -> Table | None:
    pin = run.pin
    if pin is None or not pin.widths_us:
        return None
    us_per = run.micros()[-len(pin.widths_us):]
    rows = [(str(i), f"{w:,.2f}", f"{u:,.2f}" if us_per else "-")
            for i, (w, u) in enumerate(zip(pin.widths_us, us_per or [0.0] * len(pin.widths_us)))][:20]
    return Table(("inference", "pulse width µs", "counter µs"), tuple(rows))


def profile_table(run: RunResult) -> Table:
    total = sum(p.value for p in run.profile) or 1.0
    estimated = all(p.estimated_cycles is not None for p in run.profile)
    rows = [(str(p.index), p.op, p.summary or "-", f"{p.macs:,}", f"{p.value:,.0f}", f"{100 * p.value / total:.1f}%",
             f"{p.macs / p.value:.3f}" if p.value and p.macs else "-")
            + ((f"{p.estimated_cycles:,.0f}",) if estimated else ()) for p in run.profile]
    return Table(("#", "op", "tensors", "MACs", run.unit, "share", f"MACs per {run.unit.rstrip('s')}")
                 + (("estimated cycles",) if estimated else ()), tuple(rows), "lllrrrr" + ("r" if estimated else ""))


@dataclass(frozen=True)
class Budget:
    """The build's sizes against the board's budget (report.json, else what run.json carries)."""

    flash: int | None
    ram: int | None
    flash_budget: int | None
    ram_budget: int | None

    @staticmethod
    def of(run: RunResult | None, build: BuildReport | None) -> "Budget":
        if build is not None:
            return Budget(build.flash_bytes, build.ram_bytes, build.flash_budget, build.ram_budget)
        mem = run.memory if run is not None else None
        if mem is None:
            return Budget(None, None, None, None)
        return Budget(mem.flash_bytes, mem.ram_bytes, mem.flash_budget, mem.ram_budget)


def peak_of(run: RunResult | None, build: BuildReport | None) -> PeakRam | None:
    """The model's peak RAM: as the run recorded it, else from the build with the stack the run measured."""
    if run is not None and run.peak_ram is not None:
        return run.peak_ram
    if build is None:
        return None
    return build.peak_ram(run.stack_used_bytes if run is not None else None)


def budget_table(b: Budget, build: BuildReport | None, run: RunResult | None) -> Table:
    rows = [("flash", kb(b.flash), kb(b.flash_budget), _pct(b.flash, b.flash_budget)),
            ("RAM (static)", kb(b.ram), kb(b.ram_budget), _pct(b.ram, b.ram_budget))]
    peak = peak_of(run, build)
    if peak is not None:
        rows.append((f"peak RAM, the model's (stack {peak.stack})", kb(peak.total), kb(b.ram_budget),
                     _pct(peak.total, b.ram_budget)))
    if build is not None:
        rows.append(("RAM, the harness's (input staging, protocol buffers, C library)",
                     kb(build.harness_ram_bytes), "", ""))
    if build and build.arena_bytes is not None:
        rows.append(("arena", kb(build.arena_bytes), "", ""))
    if run is not None and run.stack_used_bytes:
        rows.append(("stack (used / reserved)", kb(run.stack_used_bytes), kb(run.stack_size_bytes),
                     _pct(run.stack_used_bytes, run.stack_size_bytes)))
    return Table(("", "used", "budget", "share"), tuple(rows))


def meters(b: Budget, build: BuildReport | None, run: RunResult | None) -> tuple[Meter, ...]:
    """Flash, each RAM region, the stack: used against what there is."""
    out = []
    if b.flash is not None and b.flash_budget:
        out.append(Meter("flash", b.flash, b.flash_budget, f"{kb(b.flash)} of {kb(b.flash_budget)}"))
    regions = build.ram_regions if build is not None else ()
    if len(regions) > 1:
        out += [Meter(f"RAM: {r.name}", r.used, r.size, f"{kb(r.used)} of {kb(r.size)}") for r in regions]
    elif b.ram is not None and b.ram_budget:
        out.append(Meter("RAM", b.ram, b.ram_budget, f"{kb(b.ram)} of {kb(b.ram_budget)}"))
    peak = peak_of(run, build)
    if peak is not None and b.ram_budget:
        out.append(Meter("peak RAM (the model's)", peak.total, b.ram_budget,
                         f"{kb(peak.total)} of {kb(b.ram_budget)}, stack {peak.stack}"))
    if run is not None and run.stack_used_bytes and run.stack_size_bytes:
        out.append(Meter("stack (high-water mark)", run.stack_used_bytes, run.stack_size_bytes,
                         f"{kb(run.stack_used_bytes)} of {kb(run.stack_size_bytes)} reserved"))
    return tuple(out)


def components_table(memory: Breakdown) -> Table:
    comps = [c for c, _ in memory.flash] + [c for c, _ in memory.ram if c not in dict(memory.flash)]
    fl, rm = dict(memory.flash), dict(memory.ram)
    return Table(("component", "flash", "RAM"), tuple((c, kb(fl.get(c)), kb(rm.get(c))) for c in comps))


def largest_table(memory: Breakdown) -> Table:
    return Table(("section", "component", "bytes"),
                 tuple((q.section, q.component, f"{q.size:,}") for q in memory.largest[:8]), "llr",
                 caption="Largest sections")


def map_table(layout: MemoryMap) -> Table:
    """Every block of the memory map: region, addresses, size, what it holds, whose."""
    rows = []
    for r in layout.regions:
        for b in r.blocks:
            parts = ", ".join(f"{k} {kb(n)}" for k, n in b.parts) if len(b.parts) > 1 else b.group
            rows.append((r.name, f"0x{b.start:08x}–0x{b.end - 1:08x}", kb(b.size), parts, str(b.owner)))
        rows.append((r.name, "", kb(r.size - r.used), "free", ""))
    return Table(("region", "addresses", "size", "holds", "whose"), tuple(rows), "llrll", caption="Memory map")


def owners_table(layout: MemoryMap) -> Table:
    """The model's and the harness's bytes in each region."""
    from codegen.reports.memory import Owner
    rows = tuple((r.name, kb(r.owned(Owner.MODEL)), kb(r.owned(Owner.HARNESS)), kb(r.size - r.used), kb(r.size))
                 for r in layout.regions)
    return Table(("region", "the model's", "the harness's", "free", "size"), rows, caption=OWNERS)


TIMELINE = ("The model's RAM over one inference, operator by operator: the arena's bytes in use (bars) and "
            "its high-water (line) above what stays allocated throughout (the stack, the static kernel scratch, "
            "the model's state); the peak is the model's peak RAM (`inspect` lists the tensors alive at each step).")
OWNERS = ("What is the model's (weights, params, its generated code and kernels, the arena) and what is the "
          "harness's that measures it (runtime, protocol buffers, input staging, startup, C library, the stack)")


def float_table(report: FloatReport) -> Table:
    return Table(FLOAT_HEAD, tuple(tuple(r) for r in float_rows(report)))


def float_section(report: FloatReport) -> Section:
    if report.error:
        return Section("Against the float model", (f"No metrics: {report.error}.",))
    n = report.outputs[0].metrics.samples if report.outputs else 0
    return Section("Against the float model", (
        f"The last validation (validate.json, {n} samples): the deployed model's dequantised outputs against "
        f"{report.model} run by {report.runtime} on the same inputs.",), (float_table(report),))


def states_table(run: RunResult) -> Table:
    return Table(("from", "to", "seconds", "note"),
                 tuple((s.source, s.target, f"{s.seconds:.2f}", s.note) for s in run.states), "llrl")


def failure_section(run: RunResult) -> Section:
    f = run.failure
    assert f is not None
    text = [f"{f.kind}: {f.message}"]
    if f.ended:
        text.append(f"The target {f.ended}.")
    if f.location:
        text.append(f"pc is in {f.location}.")
    tables = (Table(("register", "value"), tuple((k, f"0x{v:08x}") for k, v in f.registers.items()), "lr"),) \
        if f.registers else ()
    return Section("What failed", tuple(text), tables, pre=f.target_log[-4000:])


# --- the plots -----------------------------------------------------------------------------------------

def _plots(run: RunResult, out_dir: Path, layout: MemoryMap | None, suffix: str,
           build: BuildReport | None = None) -> dict[str, Path]:
    made: dict[str, Path] = {}
    if run.counts:
        values = run.values() if run.per_tick else [float(c) for c in run.counts]
        unit = run.unit if run.per_tick else "counter ticks"
        note = "QEMU -icount: deterministic" if run.unit == "instructions" else ""
        made["latency"] = plots.latency_plot(values, unit, out_dir / f"latency{suffix}.png",
                                             title=f"{unit} per inference, n={len(run.counts)}", note=note)
    if run.profile:
        made["layers"] = plots.layer_bars([f"#{q.index} {q.op}" for q in run.profile], [q.value for q in run.profile],
                                          run.unit, out_dir / f"layers{suffix}.png", title=f"per-layer {run.unit}")
    if layout is not None:
        made["memory"] = plots.memory_map(layout, out_dir / f"memory{suffix}.png")
    peak = peak_of(run, build)
    if build is not None and build.timeline and peak is not None:
        tl = build.timeline
        made["timeline"] = plots.memory_timeline_plot(
            [p.label for p in tl], [p.alive_bytes for p in tl], [p.extent for p in tl], peak.total - peak.arena_bytes,
            peak.total, build.peak_step, out_dir / f"timeline{suffix}.png", budget=build.ram_budget,
            fixed_label=f"stack ({peak.stack}) + scratch + state",
            title=f"the model's RAM over one inference: peak {kb(peak.total)}")
    return made


# --- Markdown --------------------------------------------------------------------------------------------

def _markdown(run: RunResult, build: BuildReport | None, memory: Breakdown | None, layout: MemoryMap | None,
              floats: FloatReport | None, made: dict[str, Path], suffix: str) -> str:
    title = f"{build.model_name if build else run.model or 'model'} on {run.board}"
    md = [f"# {title}", ""]
    md.append(f"{run.target or 'target not reached'}" + (f" · mcuforge {build.mcuforge}" if build else "")
              + (f" · model sha256 `{build.model_sha256[:16]}…`" if build and build.model_sha256 else ""))
    md += ["", markdown_link(f"report{suffix}.html"), ""]
    if run.failure is not None:
        f = run.failure
        md += ["## FAILED", "", f"**{f.kind}**: {f.message}", ""]
        if f.ended:
            md += [f"The target {f.ended}.", ""]
        if f.registers:
            md += Table(("register", "value"), tuple((k, f"`0x{v:08x}`") for k, v in f.registers.items()),
                        "lr").markdown() + [""]
        if f.location:
            md += [f"pc is in `{f.location}`", ""]
        if f.target_log:
            md += ["```", f.target_log[-1500:], "```", ""]
        md += ["What was gathered before the failure follows.", ""]
    else:
        md += ["Status: **complete**", ""]

    if run.outputs:
        md += ["## Outputs", "", f"Input: {run.input}" + (f" (label {run.label})" if run.label is not None else ""), ""]
        t = outputs_table(run)
        md += Table(t.head, tuple((r[0], f"`{r[1]}`", r[2]) for r in t.rows), t.align).markdown() + [""]
    if floats is not None:
        md += float_markdown(floats)
    if run.counts:
        md += ["## Latency", ""] + md_lines(latency_table(run)) + ([f"Basis: {run.latency_basis}.", ""]
                                                                   if run.latency_basis else [])
        if run.estimated_cycles is not None:
            md += [estimate_text(run), ""] + ["Where one inference's estimated cycles go (functions of the firmware):",
                                               ""] + md_lines(estimate_functions_table(run))
        if "latency" in made:
            md += [f"![latency per inference]({made['latency'].name})", ""]
    if run.pin is not None:
        pin = run.pin
        md += ["## Timing pin", "", f"Source: {pin.source}. Pulses: {pin.observed} observed, {pin.expected} expected; "
               + ("order and count **match** the requests." if pin.ok else "**mismatch**."), ""]
        t = pin_table(run)
        if t is not None:
            md += md_lines(t)
            if pin.resolution_us:
                md += [f"Resolution: {pin.resolution_us:g} µs (one sample).", ""]
        if pin.note:
            md += [pin.note + ".", ""]
    if run.profile:
        md += ["## Per-layer profile", ""] + md_lines(profile_table(run))
        md += [f"![per-layer profile]({made['layers'].name})", ""]
    if build is not None or run.memory is not None:
        md += ["## Memory", ""] + md_lines(budget_table(Budget.of(run, build), build, run))
        if memory is not None and (memory.flash or memory.ram):
            md += md_lines(components_table(memory))
        if layout is not None:
            md += [OWNERS + ", by region:", ""] + md_lines(owners_table(layout))
            md += [f"![memory map]({made['memory'].name})", ""]
        if "timeline" in made:
            md += [TIMELINE, "", f"![memory over one inference]({made['timeline'].name})", ""]
        if memory is not None and memory.largest:
            t = largest_table(memory)
            md += ["Largest sections:", ""] + Table(t.head, tuple((f"`{r[0]}`", r[1], r[2]) for r in t.rows),
                                                    t.align).markdown() + [""]
    if run.link.frames_sent:
        md += ["## Link", "", f"{run.link.frames_sent} requests, {run.link.retries} retries, "
               f"{run.link.bad_frames} corrupted frames detected.", ""]
    if run.states:
        md += ["## Target states", ""] + md_lines(states_table(run))
    return "\n".join(md).rstrip() + "\n"


# --- HTML ------------------------------------------------------------------------------------------------

def run_page(run: RunResult, build: BuildReport | None, memory: Breakdown | None, layout: MemoryMap | None,
             floats: FloatReport | None, made: dict[str, Path], suffix: str = "") -> Page:
    """The run as an HTML page: verdict, latency, memory against the budget; plots; tables; the failure."""
    model = build.model_name if build else run.model or "model"
    sub = " · ".join(x for x in (run.target or "target not reached",
                                 f"mcuforge {build.mcuforge}" if build else "",
                                 f"model sha256 {build.model_sha256[:16]}…" if build and build.model_sha256 else "",
                                 f"{build.kernel_variant} kernels" if build and build.kernel_variant else "") if x)
    if run.failure is not None:
        verdict = Verdict("FAILED", Tone.BAD, f"{run.failure.kind}: {run.failure.message}")
    else:
        verdict = Verdict("complete", Tone.GOOD, f"{run.n} timed inferences" + (f" on {run.input}" if run.input else ""))
    facts = []
    if run.per_inference:
        s = run.per_inference
        spread = "the same every time" if s.max == s.min else f"p99 {s.p99:,.0f}, max {s.max:,.0f}"
        facts.append(Fact(f"latency ({run.unit}, p50)", f"{s.p50:,.0f}", spread))
    if run.latency_us:
        facts.append(Fact("latency (time, p50)", f"{run.latency_us.p50 / 1000:,.3f} ms",
                          "estimated: 1 instruction per cycle" if run.unit == "instructions" else ""))
    if run.outputs:
        d = np.asarray((run.outputs_dequantized or run.outputs)[0], dtype=np.float64).reshape(-1)
        facts.append(Fact("output 0, top-1", top1(d), f"input: {run.input}" + (
            f" (label {run.label})" if run.label is not None else "")))
    if build is not None:
        facts.append(Fact("arena", kb(build.arena_bytes), f"{build.n_ops} operators, {build.macs:,} MACs"))
    peak = peak_of(run, build)
    if peak is not None:
        facts.append(Fact("peak RAM (the model's)", kb(peak.total), peak.describe()))
    b = Budget.of(run, build)
    sections: list[Section] = []
    if run.outputs:
        sections.append(Section("Outputs", (f"Input: {run.input}" + (f" (label {run.label})" if run.label is not None
                                                                     else ""),), (outputs_table(run),)))
    if floats is not None:
        sections.append(float_section(floats))
    if run.counts:
        sections.append(Section("Latency", (f"Basis: {run.latency_basis}.",) if run.latency_basis else (),
                                (latency_table(run),)))
        if run.estimated_cycles is not None:
            sections.append(Section("Estimated cycles", (estimate_text(run).replace("**", ""),),
                                    (estimate_functions_table(run),)))
    if run.pin is not None:
        t = pin_table(run)
        sections.append(Section("Timing pin", tuple(x for x in (pin_text(run), run.pin.note) if x),
                                (t,) if t is not None else ()))
    if run.profile:
        sections.append(Section("Per-layer profile", (), (profile_table(run),)))
    if build is not None or run.memory is not None:
        tables = [budget_table(b, build, run)]
        if layout is not None:
            tables += [owners_table(layout), map_table(layout)]
        if memory is not None and (memory.flash or memory.ram):
            tables.append(components_table(memory))
        if memory is not None and memory.largest:
            tables.append(largest_table(memory))
        sections.append(Section("Memory", (), tuple(tables)))
    if run.link.frames_sent:
        sections.append(Section("Link", (f"{run.link.frames_sent} requests, {run.link.retries} retries, "
                                         f"{run.link.bad_frames} corrupted frames detected.",)))
    if run.states:
        sections.append(Section("Target states", (), (states_table(run),)))
    captions = {"latency": "Latency of each timed inference", "layers": "Time per operator, in schedule order",
                "memory": "Memory map: every region of the board, what each address range holds and whose it is",
                "timeline": TIMELINE.replace("`", "")}
    figures = tuple(Figure.png(p, captions[k], captions[k]) for k, p in made.items())
    links = [Link(f"report{suffix}.md", f"report{suffix}.md"), Link(f"run{suffix}.json", f"run{suffix}.json")]
    return Page(kind="run", title=f"{model} on {run.board}", subtitle=sub, verdict=verdict, facts=tuple(facts),
                meters=meters(b, build, run), plots=figures, sections=tuple(sections),
                failures=(failure_section(run),) if run.failure is not None else (), links=tuple(links),
                notes=(f"Latency basis: {run.latency_basis}.",) if run.latency_basis else ())


def write_run_report(run: RunResult, out_dir: Path, build: BuildReport | None = None,
                     memory: Breakdown | None = None, floats: FloatReport | None = None,
                     suffix: str = "", layout: MemoryMap | None = None) -> ReportFiles:
    """report<suffix>.md, report<suffix>.html and the plots (<name><suffix>.png) in `out_dir`."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    made = _plots(run, out_dir, layout, suffix, build)
    path = out_dir / f"report{suffix}.md"
    path.write_text(_markdown(run, build, memory, layout, floats, made, suffix))
    html = write_html(run_page(run, build, memory, layout, floats, made, suffix), out_dir / f"report{suffix}.html")
    return ReportFiles(markdown=path, plots=tuple(made.values()), html=html)


def build_memory(project_dir: Path) -> tuple[BuildReport | None, Breakdown | None, MemoryMap | None]:
    """The build's report.json, its memory by component and its memory map (from the map file and the ELF)."""
    build = read_report(project_dir)
    elf = next((p for p in (project_dir / "firmware.elf", project_dir / "firmware") if p.is_file()), None)
    map_file = project_dir / "firmware.map"
    if elf is None or not map_file.is_file():
        return build, None, None
    mem = breakdown(map_file, elf, build.stack_bytes if build else None)
    return build, mem, memory_map(map_file, elf, build) if build is not None else None


def save_run(run: RunResult, project_dir: Path) -> ReportFiles:
    """run.json and the reports (+ plots) of a run of the build in `project_dir` (its report.json and map
    file give the memory sections); a failed run's as run.failed.json and report.failed.md/.html."""
    project_dir = Path(project_dir)
    build, mem, layout = build_memory(project_dir)
    suffix = "" if run.complete else FAILED
    stale = run_files(suffix) + (run_files(FAILED) if run.complete else ())
    with Staging(project_dir) as staging:
        staged = write_run_report(run, staging.dir, build, mem, read_float_report(project_dir), suffix, layout)
        write_run(run, staging.dir / f"run{suffix}.json")
        staging.commit(last=f"run{suffix}.json", stale=stale)
    return _moved(staged, project_dir, project_dir / f"run{suffix}.json")


def _moved(staged: ReportFiles, project_dir: Path, json_path: Path) -> ReportFiles:
    return ReportFiles(markdown=project_dir / staged.markdown.name,
                       plots=tuple(project_dir / p.name for p in staged.plots), json=json_path,
                       html=project_dir / staged.html.name if staged.html else None)


def refresh_report(project_dir: Path) -> ReportFiles | None:
    """The reports (+ plots) of the build's last good run, written again (after a validation: its float
    metrics); run.json and a failed run's files are left as they are."""
    from codegen.run import read_run
    project_dir = Path(project_dir)
    if not (project_dir / "run.json").is_file():
        return None
    run = read_run(project_dir / "run.json")
    build, mem, layout = build_memory(project_dir)
    with Staging(project_dir) as staging:
        staged = write_run_report(run, staging.dir, build, mem, read_float_report(project_dir), layout=layout)
        staging.commit(stale=run_files()[1:])
    return _moved(staged, project_dir, project_dir / "run.json")
