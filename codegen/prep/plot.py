"""The trade-off plot of ``compare``: on-device accuracy against latency and against flash, one point
per variant. Written in the style of :mod:`codegen.reports.plots` (Agg backend, no version stamp, so
identical numbers give identical files) and with its helpers; it belongs there once that module
takes it."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from codegen.reports import plots


def tradeoff_scatter(names: Sequence[str], accuracy: Sequence[float | None], latency: Sequence[float | None],
                     flash_kb: Sequence[float], unit: str, path: Path, title: str = "",
                     reference: Sequence[float | None] | None = None) -> Path:
    """Two panels: accuracy (%) against latency (p50, `unit`) and against flash (KB). Variants without
    an accuracy get no point; `reference` (TFLM's accuracy on the same samples) is drawn hollow."""
    plt = plots._pyplot()
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
        ax.xaxis.set_major_formatter(plots._thousands())
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
    return plots._save(fig, path)
