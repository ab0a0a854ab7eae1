"""PNG plots for the reports (matplotlib with the Agg backend: no display, same bytes for the same
data). Each function takes plain typed values and writes one file, returning its path."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np

_META = {"Software": None}  # no version stamp: identical data gives identical files


def _pyplot():
    import matplotlib
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt
    return plt


def _save(fig, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata=_META)
    _pyplot().close(fig)
    return path


def _thousands():
    from matplotlib.ticker import FuncFormatter
    return FuncFormatter(lambda v, _: f"{v:,.0f}")


def latency_histogram(values: Sequence[float], unit: str, path: Path, title: str = "") -> Path:
    """Per-inference latency: a histogram with p50 and p99 marked (one bar when every value is equal,
    as under QEMU's deterministic -icount)."""
    plt = _pyplot()
    a = np.asarray(values, np.float64)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    lo, hi = float(a.min()), float(a.max())
    if hi - lo < 1e-9 * max(1.0, abs(hi)):
        ax.bar([lo], [len(a)], width=max(abs(lo) * 0.002, 1.0), color="#3b75af")
        ax.set_xlim(lo * 0.99 - 1, hi * 1.01 + 1)
    else:
        ax.hist(a, bins=min(40, max(5, len(a) // 2)), color="#3b75af")
    for q, style in ((50, "-"), (99, "--")):
        v = float(np.percentile(a, q))
        ax.axvline(v, color="#c44e52", linestyle=style, linewidth=1, label=f"p{q} {v:,.0f}")
    ax.ticklabel_format(axis="x", useOffset=False, style="plain")
    ax.xaxis.set_major_formatter(_thousands())
    ax.set_xlabel(f"{unit} per inference")
    ax.set_ylabel("inferences")
    ax.set_title(title or f"latency over {len(a)} inferences")
    ax.legend(loc="upper right", fontsize=8)
    return _save(fig, path)


def layer_bars(labels: Sequence[str], values: Sequence[float], unit: str, path: Path, title: str = "") -> Path:
    """Per-layer time: one horizontal bar per operator in schedule order, with its share."""
    plt = _pyplot()
    v = np.asarray(values, np.float64)
    total = float(v.sum()) or 1.0
    fig, ax = plt.subplots(figsize=(6.4, 0.9 + 0.32 * len(v)))
    y = np.arange(len(v))
    ax.barh(y, v, color="#55a868")
    ax.set_yticks(y, labels=list(labels), fontsize=8)
    ax.invert_yaxis()
    for k, x in enumerate(v):
        ax.text(x, k, f" {100 * x / total:.1f}%", va="center", fontsize=7)
    ax.set_xlabel(unit)
    ax.xaxis.set_major_formatter(_thousands())
    ax.set_xlim(0, float(v.max()) * 1.18 if len(v) else 1)
    ax.set_title(title or "per-layer profile")
    return _save(fig, path)


def memory_bars(flash: Sequence[tuple[str, int]], ram: Sequence[tuple[str, int]], path: Path,
                flash_budget: int | None = None, ram_budget: int | None = None, title: str = "") -> Path:
    """Flash and RAM as stacked bars by component (KB), with the budgets in the labels."""
    plt = _pyplot()
    comps = sorted({c for c, _ in flash} | {c for c, _ in ram})
    colors = dict(zip(comps, plt.get_cmap("tab10").colors * 2))
    fig, ax = plt.subplots(figsize=(8.0, 2.4))
    labelled: set[str] = set()
    for row, (name, parts, budget) in enumerate((("flash", flash, flash_budget), ("RAM", ram, ram_budget))):
        left = 0.0
        for comp, b in parts:
            ax.barh(row, b / 1024, left=left, color=colors[comp], label=None if comp in labelled else comp,
                    edgecolor="white", linewidth=0.5)
            labelled.add(comp)
            left += b / 1024
        from codegen.term import kb
        used = sum(b for _, b in parts)
        note = kb(used) + (f" of {kb(budget)}" if budget else "")
        ax.text(left, row, " " + note, va="center", fontsize=8)
    ax.set_yticks([0, 1], labels=["flash", "RAM"])
    ax.invert_yaxis()
    ax.set_xlabel("KB")
    xmax = max(sum(b for _, b in flash), sum(b for _, b in ram)) / 1024
    ax.set_xlim(0, xmax * 1.35 if xmax else 1)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=7, frameon=False)
    ax.set_title(title or "memory by component")
    return _save(fig, path)


def comparison_bars(names: Sequence[str], metrics: Sequence[tuple[str, Sequence[float | None]]], path: Path,
                    title: str = "") -> Path:
    """One small bar chart per metric (flash, RAM, latency, accuracy ...), variants side by side;
    a variant without a value for a metric gets no bar."""
    plt = _pyplot()
    k = len(metrics)
    cols = min(k, 2)
    rows = (k + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 2.2 + 1.0 * rows * max(1, len(names)) / 2),
                             squeeze=False)
    colors = plt.get_cmap("tab10").colors
    for ax, (label, vals) in zip(axes.flat, metrics):
        y = np.arange(len(names))
        for i, v in enumerate(vals):
            if v is not None:
                ax.barh(i, v, color=colors[i % 10])
                ax.text(v, i, f" {v:,.0f}" if abs(v) >= 100 else f" {v:.3g}", va="center", fontsize=7)
        ax.set_yticks(y, labels=list(names), fontsize=8)
        ax.invert_yaxis()
        ax.set_title(label, fontsize=9)
        ax.xaxis.set_major_formatter(_thousands())
        present = [v for v in vals if v is not None]
        ax.set_xlim(0, max(present) * 1.3 if present and max(present) > 0 else 1)
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def tradeoff_scatter(names: Sequence[str], accuracy: Sequence[float | None], latency: Sequence[float | None],
                     flash_kb: Sequence[float], unit: str, path: Path, title: str = "",
                     reference: Sequence[float | None] | None = None) -> Path:
    """Two panels: accuracy (%) against latency (p50, `unit`) and against flash (KB). Variants without
    an accuracy get no point; `reference` (TFLM's accuracy on the same samples) is drawn hollow."""
    plt = _pyplot()
    panels = [("latency p50 (" + unit + ")", latency), ("flash (KB)", flash_kb)]
    fig, axes = plt.subplots(1, 2, figsize=(9.6, 3.8), squeeze=False)
    colors = plt.get_cmap("tab10").colors
    for ax, (label, xs) in zip(axes.flat, panels):
        span = max((x for x in xs if x is not None), default=1.0) or 1.0
        placed: dict[tuple[int, int], int] = {}   # points that coincide get their labels stacked
        for i, (name, acc, x) in enumerate(zip(names, accuracy, xs)):
            if acc is None or x is None:
                continue
            c = colors[i % 10]
            ax.scatter([x], [100 * acc], s=46, color=c, zorder=3)
            spot = (round(50 * x / span), round(5 * 100 * acc))
            k = placed.get(spot, 0)
            placed[spot] = k + 1
            ax.annotate(name, (x, 100 * acc), textcoords="offset points", xytext=(6, 5 - 11 * k), fontsize=8,
                        color=c if k else "black")
            if reference is not None and reference[i] is not None and abs(reference[i] - acc) > 1e-12:
                ax.scatter([x], [100 * reference[i]], s=46, facecolors="none", edgecolors=c, zorder=3)
        ax.set_xlabel(label)
        ax.set_ylabel("accuracy on device (%)")
        ax.xaxis.set_major_formatter(_thousands())
        ax.grid(True, linewidth=0.4, alpha=0.5)
        shown = [x for a, x in zip(accuracy, xs) if a is not None and x is not None]
        ax.set_xlim(0, max(shown) * 1.25 if shown and max(shown) > 0 else 1)
        accs = [100 * a for a in accuracy if a is not None] + \
               [100 * r for r in (reference or ()) if r is not None]
        if accs:
            lo, hi = min(accs), max(accs)
            pad = max(1.0, 0.15 * (hi - lo))
            ax.set_ylim(max(0.0, lo - 3 * pad), min(100.0, hi) + pad)
    fig.suptitle(title or "accuracy against latency and size", fontsize=10)
    return _save(fig, path)
