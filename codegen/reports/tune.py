"""The report of a ``tune`` study: ``tune.md`` and ``tune.html`` (one self-contained page: the plot
embedded as a data URI, CSS inline, no script, every value HTML-escaped) beside ``tune.json``, with
``tune.png``: accuracy on device against latency and against peak RAM, every measured trial a point,
the Pareto front highlighted and joined, the budgets drawn as lines.

Sections: the summary (board, trials, the best within budget, what is out of reach), the Pareto front
table (trial, parameters, flash, peak RAM, latency, accuracy on device, float accuracy), the
distillation check (the distilled student against the same architecture trained on the labels alone),
then every trial. All numbers are formatted here (``rows``); the HTML template only lays them out.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

from codegen.files import write_text_atomic
from codegen.term import kb
from codegen.tune.progress import best_of, params_text
from codegen.tune.records import Objective, TrialRecord, TrialState, TuneResult

FRONT_HEAD = ("trial", "parameters", "flash", "peak RAM", "latency", "accuracy on device", "float accuracy")
TRIALS_HEAD = ("trial", "state", "parameters", "flash", "peak RAM", "latency", "accuracy on device",
               "float accuracy", "note")


@dataclass(frozen=True)
class TuneFiles:
    markdown: Path
    html: Path
    plot: Path | None


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{100 * v:.1f}%"


def _ms(t: TrialRecord) -> str:
    if t.latency_ms is None:
        return "-"
    count = f" ({t.latency:,.0f} {t.unit})" if t.latency is not None and t.unit else ""
    return f"{t.latency_ms:.3f} ms{count}"


def _params(t: TrialRecord) -> str:
    return params_text(t.params)


def front_rows(r: TuneResult) -> list[tuple[str, ...]]:
    return [(str(t.number), _params(t), kb(t.flash_bytes), kb(t.ram_bytes), _ms(t), _pct(t.accuracy),
             _pct(t.float_accuracy)) for t in r.front]


def trial_rows(r: TuneResult) -> list[tuple[str, ...]]:
    front = {t.number for t in r.front}
    rows = []
    for t in r.trials:
        note = t.reason.splitlines()[0] if t.reason else "; ".join(t.violations)
        if t.number in front:
            note = "Pareto front" + (f"; {note}" if note else "")
        rows.append((str(t.number), t.state.value, _params(t), kb(t.flash_bytes), kb(t.ram_bytes), _ms(t),
                     _pct(t.accuracy), _pct(t.float_accuracy), note))
    return rows


def distillation_rows(r: TuneResult) -> list[tuple[str, ...]]:
    d = r.distillation
    if d is None:
        return []
    out = []
    for label, t in ((f"distilled from {r.teacher.name if r.teacher else 'the teacher'}", d.distilled),
                     ("labels only (no teacher)", d.plain)):
        out.append((label, str(t.number), _pct(t.accuracy), _pct(t.float_accuracy), _ms(t), kb(t.ram_bytes),
                    kb(t.flash_bytes), str(t.epochs)))
    return out


DISTILL_HEAD = ("student", "trial", "accuracy on device", "float accuracy", "latency", "peak RAM", "flash", "epochs")


def summary_lines(r: TuneResult) -> list[str]:
    measured = [t for t in r.trials if t.state == TrialState.MEASURED]
    rejected = [t for t in r.trials if t.state == TrialState.REJECTED]
    failed = [t for t in r.trials if t.state == TrialState.FAILED]
    lines = [f"{len(r.finished)} trials of {r.family} on {r.board}: {len(measured)} measured on the board, "
             f"{len(rejected)} rejected before their build, {len(failed)} failed; "
             f"{len(r.front)} on the Pareto front.",
             "Budget: " + (", ".join(f"{lim.objective.value} <= {lim.value:g} ({lim.source})" for lim in r.limits)
                           or "none") + ".",
             f"Data: {r.train_samples} training samples ({r.train.name}), {r.val_samples} validation samples "
             f"({r.val.name}) run on the board, {r.classes} classes."]
    if r.teacher is not None:
        lines.append(f"Teacher: {r.teacher.name} (float accuracy {_pct(r.teacher_accuracy)} on the validation set).")
    best = best_of(r.trials)
    if best is not None:
        lines.append(f"Most accurate within budget: trial {best.number}, {_pct(best.accuracy)} on device at "
                     f"{best.latency_ms or 0:.3f} ms, peak RAM {kb(best.ram_bytes)}, flash {kb(best.flash_bytes)} "
                     f"(`--export {best.number}`).")
    d = r.distillation
    if d is not None and d.gain is not None:
        verdict = "beats" if d.gain > 0 else "does not beat" if d.gain < 0 else "ties with"
        lines.append(f"Distillation: the distilled student (trial {d.distilled.number}) {verdict} the same "
                     f"architecture trained on the labels alone: {_pct(d.distilled.accuracy)} vs "
                     f"{_pct(d.plain.accuracy)} on device ({100 * d.gain:+.1f} points).")
    lines += [f"Out of reach: {u}" for u in r.unreachable]
    return lines


LEFT = {"trial", "state", "parameters", "note", "student"}


def _md_table(head: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    align = ["---" if h in LEFT else "---:" for h in head]
    return ["| " + " | ".join(head) + " |", "| " + " | ".join(align) + " |",
            *("| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in rows)]


def markdown(r: TuneResult, plot: Path | None) -> str:
    md = [f"# tune: {r.family} on {r.board}", ""] + [f"- {line}" for line in summary_lines(r)] + [""]
    md += ["## Pareto front", "",
           "Measured on the board: no other trial within budget is at least as good on all four of accuracy on "
           "device, latency, peak RAM and flash.", ""]
    md += _md_table(FRONT_HEAD, front_rows(r)) if r.front else ["No trial within budget."]
    md += [""]
    if plot is not None:
        md += [f"![accuracy against latency and peak RAM]({plot.name})", ""]
    if r.distillation is not None:
        md += ["## Distillation", "",
               "The most accurate student on the front, trained again with the same values and seed on the labels "
               "alone, built and measured on the board the same way.", ""]
        md += _md_table(DISTILL_HEAD, distillation_rows(r)) + [""]
    md += ["## Trials", ""] + _md_table(TRIALS_HEAD, trial_rows(r)) + [""]
    md += [f"Searched: {', '.join(f'{k} {v}' for k, v in r.searched) or 'nothing (every value fixed)'}. "
           f"Study {r.study!r} in `{r.storage}`; latency is the p50 over the validation samples "
           "(QEMU: instructions under -icount, at one instruction per cycle at the board's clock).", ""]
    return "\n".join(md)


def html(r: TuneResult, plot: Path | None) -> str:
    from codegen.reports.html_page import render_page
    img = None
    if plot is not None and plot.is_file():
        img = "data:image/png;base64," + base64.b64encode(plot.read_bytes()).decode("ascii")
    return render_page("tune.html.j2", title=f"tune: {r.family} on {r.board}", summary=summary_lines(r),
                       front_head=FRONT_HEAD, front=front_rows(r), plot=img, distill_head=DISTILL_HEAD,
                       distill=distillation_rows(r), trials_head=TRIALS_HEAD, trials=trial_rows(r))


def tune_plot(r: TuneResult, path: Path) -> Path | None:
    """Accuracy on device against latency (ms) and against peak RAM (KB): measured trials as points, the
    Pareto front highlighted and joined, over-budget trials hollow, the budgets as dashed lines (a budget
    far beyond every trial is named in the legend rather than drawn, so the points keep their scale)."""
    from codegen.reports.plots import _pyplot, _save
    measured = [t for t in r.trials if t.state == TrialState.MEASURED and t.accuracy is not None]
    if not measured:
        return None
    plt = _pyplot()
    front = {t.number for t in r.front}
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.0), squeeze=False)
    limits = {lim.objective: lim for lim in r.limits}
    for ax, obj, label, unit in zip(axes.flat, (Objective.LATENCY, Objective.RAM),
                                    ("latency p50 (ms)", "peak RAM (KB)"), ("ms", "KB")):
        pts = [(float(t.value(obj)), 100 * (t.accuracy or 0.0), t) for t in measured if t.value(obj) is not None]
        spots: dict[tuple[float, float], list[TrialRecord]] = {}
        for x, y, t in pts:
            spots.setdefault((x, y), []).append(t)
        for (x, y), ts in sorted(spots.items()):
            on = any(t.number in front for t in ts)
            ok = any(t.feasible for t in ts)
            color = "#c44e52" if on else "#8c8c8c"
            ax.scatter([x], [y], s=60 if on else 30, zorder=3, facecolors=color if ok else "none", edgecolors=color)
            ax.annotate(", ".join(str(t.number) for t in ts), (x, y), textcoords="offset points", xytext=(5, 4),
                        fontsize=7, color=color if on else "#555555")
        # the front in this projection: its trials that no other front trial beats on both this axis and accuracy
        stair, top = [], -1.0
        for (x, y) in sorted({(x, y) for x, y, t in pts if t.number in front}):
            if y > top:
                stair.append((x, y))
                top = y
        if stair:
            ax.step([p[0] for p in stair], [p[1] for p in stair], where="post", color="#c44e52", linewidth=1,
                    label="Pareto front")
        xs = [x for x, _, _ in pts]
        hi = max(xs)
        lim = limits.get(obj)
        if lim is not None and lim.value <= 3 * hi:
            ax.axvline(lim.value, color="#3b75af", linestyle="--", linewidth=1,
                       label=f"budget {lim.value:g} {unit} ({lim.source})")
            hi = max(hi, lim.value)
        elif lim is not None:
            ax.plot([], [], color="#3b75af", linestyle="--", linewidth=1,
                    label=f"budget {lim.value:g} {unit} ({lim.source}), beyond the axis")
        ax.set_xlim(0, hi * 1.15 if hi > 0 else 1)
        ys = [y for _, y, _ in pts]
        pad = max(1.0, 0.1 * (max(ys) - min(ys)))
        ax.set_ylim(max(0.0, min(ys) - 3 * pad), min(100.0, max(ys)) + pad)
        ax.set_xlabel(label)
        ax.set_ylabel("accuracy on device (%)")
        ax.grid(True, linewidth=0.4, alpha=0.5)
        ax.legend(loc="lower right", fontsize=7)
    fig.suptitle(f"{len(measured)} trials of {r.family} measured on {r.board} (red: Pareto front; hollow: over budget)",
                 fontsize=10)
    return _save(fig, path)


def write_tune_report(r: TuneResult, out_dir: Path) -> TuneFiles:
    out_dir = Path(out_dir)
    plot = tune_plot(r, out_dir / "tune.png")
    md = write_text_atomic(out_dir / "tune.md", markdown(r, plot))
    page = write_text_atomic(out_dir / "tune.html", html(r, plot))
    return TuneFiles(markdown=md, html=page, plot=plot)
