"""PNG plots for the reports (matplotlib with the Agg backend: no display, same bytes for the same
data). Each function takes plain typed values and writes one file, returning its path.

Axes carry their unit: counts read 11.8M (``si``), sizes 2 KB, 4 KB ... on nice steps
(``byte_ticks``), shares in %; points that coincide stay visible (distinct markers, nested sizes,
labels offset with a leader line)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from codegen.reports.memory import GROUPS, GROUP_OWNER, Block, MemoryMap, Owner, RegionMap
from codegen.term import kb

_META = {"Software": None}  # no version stamp: identical data gives identical files
MARKERS = ("o", "s", "^", "D", "v", "P", "X", "*", "h", "<")
# memory map colours: the model's blues and greens, the harness's warm colours and greys
GROUP_COLORS = {"weights & params": "#4c72b0", "model code": "#64b5cd", "kernels": "#55a868", "arena": "#8172b3",
                "model state": "#b4a7d6", "protocol buffers": "#dd8452", "input staging": "#e5ae38",
                "stack": "#c44e52", "harness code & data": "#a6a6a6"}
FREE = "#f4f4f4"


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


# --- numbers on axes -----------------------------------------------------------------------------------

def si(v: float) -> str:
    """A count for an axis or a label: 950, 2,500, 25k, 1.5M, 11.8M, 2.1G."""
    a = abs(v)
    for div, suffix in ((1e9, "G"), (1e6, "M"), (1e4, "k")):
        if a >= div:
            x = v / (div if suffix != "k" else 1e3)
            return f"{x:.3g}{suffix}" if abs(x) < 1000 else f"{x:,.0f}{suffix}"
    return f"{v:,.0f}" if a >= 100 or v == int(v) else f"{v:.3g}"


def nice_step(span: float, bins: int = 5) -> float:
    """A tick step of 1, 2, 2.5 or 5 times a power of ten giving about `bins` intervals over `span`."""
    if span <= 0:
        return 1.0
    raw = span / bins
    mag = 10 ** math.floor(math.log10(raw))
    return next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)


def byte_ticks(top: float, bins: int = 5) -> tuple[list[float], list[str]]:
    """Ticks for a byte axis from 0 to at least `top`: nice steps in B, KB or MB, labelled with the unit."""
    unit, div = ("MB", 1 << 20) if top >= 1 << 20 else ("KB", 1024) if top >= 1024 else ("B", 1)
    step = nice_step(top / div, bins)
    n = max(1, math.ceil(top / div / step - 1e-9))
    values = [k * step for k in range(n + 1)]
    return [v * div for v in values], ["0" if v == 0 else f"{v:g} {unit}" for v in values]


@dataclass(frozen=True)
class Unit:
    """How one quantity reads on an axis and beside a bar."""

    name: str                         # instructions, cycles, bytes, %
    value: Callable[[float], str]     # a bar's label

    @property
    def bytes(self) -> bool:
        return self.name == "bytes"


UNITS = {"bytes": Unit("bytes", lambda v: kb(int(round(v)))), "%": Unit("%", lambda v: f"{v:.1f}%")}


def unit_of(name: str) -> Unit:
    return UNITS.get(name, Unit(name, si))


def _count_axis(ax, axis: str = "x", bins: int = 5) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator
    a = ax.xaxis if axis == "x" else ax.yaxis
    a.set_major_locator(MaxNLocator(nbins=bins, steps=[1, 2, 2.5, 5, 10]))
    a.set_major_formatter(FuncFormatter(lambda v, _: si(v)))


def _byte_axis(ax, top: float, axis: str = "x") -> float:
    ticks, labels = byte_ticks(top)
    (ax.set_xticks if axis == "x" else ax.set_yticks)(ticks, labels=labels)
    return ticks[-1]


# --- one run -------------------------------------------------------------------------------------------

def latency_plot(values: Sequence[float], unit: str, path: Path, title: str = "", note: str = "") -> Path:
    """Per-inference latency. Spread values: a histogram with p50 and p99 marked. Identical values (QEMU's
    -icount makes counts deterministic): the value stated, with one dot per inference -- a histogram
    of one bar says nothing."""
    plt = _pyplot()
    a = np.asarray(values, np.float64)
    lo, hi = float(a.min()), float(a.max())
    if hi - lo <= 1e-9 * max(1.0, abs(hi)):
        fig, ax = plt.subplots(figsize=(6.4, 2.1))
        ax.plot(np.arange(1, len(a) + 1), a, "o", color="#3b75af", markersize=5)
        ax.set_ylim(lo * 0.9, hi * 1.1 if hi else 1.0)
        ax.set_yticks([lo], labels=[si(lo)])
        ax.set_xlim(0.5, len(a) + 0.5)
        if len(a) <= 20:
            ax.set_xticks(range(1, len(a) + 1))
        else:
            from matplotlib.ticker import MaxNLocator
            ax.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True, steps=[1, 2, 2.5, 5, 10]))
        ax.set_xlabel("inference")
        ax.set_ylabel(unit, fontsize=8)
        # the statement under the title, clear of the axis and its tick label
        ax.set_title(f"{title or f'latency over {len(a)} inferences'}\n", fontsize=10)
        ax.text(0.5, 1.04, f"{lo:,.0f} {unit} in every one of the {len(a)} inferences" + (f" ({note})" if note else ""),
                transform=ax.transAxes, ha="center", va="bottom", fontsize=8.5, color="#333333")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        return _save(fig, path)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.hist(a, bins=min(40, max(5, len(a) // 2)), color="#3b75af")
    for q, style in ((50, "-"), (99, "--")):
        v = float(np.percentile(a, q))
        ax.axvline(v, color="#c44e52", linestyle=style, linewidth=1, label=f"p{q} {v:,.0f}")
    _count_axis(ax, "x")
    ax.set_xlabel(f"{unit} per inference")
    ax.set_ylabel("inferences")
    ax.set_title(title or f"latency over {len(a)} inferences", fontsize=10)
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
        ax.text(x, k, f" {si(x)} ({100 * x / total:.1f}%)", va="center", fontsize=7)
    ax.set_xlabel(f"{unit} per inference")
    ax.set_xlim(0, float(v.max()) * 1.3 if len(v) and v.max() > 0 else 1)
    _count_axis(ax, "x", bins=4)
    ax.set_title(title or "per-layer profile", fontsize=10)
    return _save(fig, path)


# --- memory over time ----------------------------------------------------------------------------------

def memory_timeline_plot(labels: Sequence[str], alive: Sequence[int], extent: Sequence[int], fixed: int,
                         peak_total: int, peak_step: int, path: Path, budget: int | None = None,
                         fixed_label: str = "stack + scratch + state", title: str = "") -> Path:
    """Bytes alive per operator step: the model's fixed RAM (stack, static scratch, state) at the
    bottom, the arena's bytes in use above it (bars) and the arena's high-water then (a step line),
    the peak step marked with the peak RAM, and the board's RAM budget where known (a line when it is
    within 2.5x the peak, else named in the legend)."""
    plt = _pyplot()
    n = len(labels)
    x = np.arange(n)
    a, e = np.asarray(alive, np.float64), np.asarray(extent, np.float64)
    fig, ax = plt.subplots(figsize=(6.4, 3.4))
    ax.bar(x, [fixed] * n, width=0.8, color="#c44e52", alpha=0.55, label=fixed_label)
    ax.bar(x, a, width=0.8, bottom=fixed, color="#8172b3", label="arena: bytes alive")
    if n:
        ax.step(x, e + fixed, where="mid", color="#333333", linewidth=1, label="arena: high-water at the step")
    ax.axhline(peak_total, color="#333333", linestyle=":", linewidth=1)
    top = float(max([peak_total, *(e + fixed)] if n else [peak_total]))
    if budget and budget <= 2.5 * top:
        ax.axhline(budget, color="#c44e52", linestyle="--", linewidth=1.2, label=f"board RAM {kb(budget)}")
        top = max(top, float(budget))
    elif budget:  # far above: drawn to scale it would flatten the bars; named instead
        ax.plot([], [], color="#c44e52", linestyle="--", linewidth=1.2, label=f"board RAM {kb(budget)} (above the scale)")
    if n:
        px = min(max(peak_step, 0), n - 1)
        ax.plot([px], [peak_total], marker="v", color="#c44e52", markersize=8, linestyle="none")
        ax.annotate(f"peak RAM {kb(peak_total)}\nat #{labels[px]}", (px, peak_total), xytext=(0, 8),
                    textcoords="offset points", ha="center" if 0.15 * n < px < 0.85 * n else
                    ("left" if px <= 0.15 * n else "right"), va="bottom", fontsize=7.5)
    ax.set_ylim(0, _byte_axis(ax, top * 1.22, "y"))
    ax.tick_params(axis="y", labelsize=8)
    ax.set_xlim(-0.6, n - 0.4 if n else 0.6)
    if n <= 24:
        ax.set_xticks(x, labels=list(labels), fontsize=7)
    else:
        step = max(1, int(nice_step(n, 8)))
        ax.set_xticks(x[::step], labels=[labels[i] for i in range(0, n, step)], fontsize=7)
    ax.set_xlabel("operator (schedule order)")
    ax.set_title(title or "memory over one inference", fontsize=10)
    ax.legend(loc="upper right", fontsize=7, frameon=False)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    return _save(fig, path)


# --- the memory map ------------------------------------------------------------------------------------

_BIG, _MIN, _SLIVER, _GAP = 6.0, 0.9, 0.3, 1.4   # display heights: the largest block, a labelled one, a tiny one, free space
_COL = (1.7, 1.3, 3.0)                          # address labels, the column, block labels (data units)


@dataclass(frozen=True)
class _Row:
    """One drawn slice of a region: a block or free space, its addresses and its display height."""

    start: int
    size: int
    group: str | None   # None: free
    height: float
    block: Block | None = None


def _rows(r: RegionMap) -> list[_Row]:
    """The region bottom (its origin) to top: blocks and the free space between them. Heights grow
    with size but every labelled block stays legible; free space is drawn compressed (and says so)."""
    biggest = max((b.size for b in r.blocks), default=1)
    out: list[_Row] = []
    at = r.origin
    for b in r.blocks:
        if b.start - at >= max(1024, r.size // 100):
            out.append(_Row(at, b.start - at, None, _GAP))
        tiny = b.size < biggest / 60
        out.append(_Row(b.start, b.size, b.group, _SLIVER if tiny else max(_MIN, _BIG * b.size / biggest), b))
        at = b.end
    if r.origin + r.size - at >= max(1024, r.size // 100) or not r.blocks:
        out.append(_Row(at, r.origin + r.size - at, None, _GAP if r.blocks else _BIG / 2))
    return out


def memory_map(mm: MemoryMap, path: Path, title: str = "") -> Path:
    """Each region a column, addresses growing upwards, every block at its address with what it holds:
    the model's in blues and greens, the harness's in warm colours and grey. The region's size is its
    budget; free space is drawn compressed (a dashed, pale slice with its size)."""
    plt = _pyplot()
    from matplotlib.patches import Patch, Rectangle
    cols = [(r, _rows(r)) for r in mm.regions]
    tallest = max(sum(x.height for x in rows) for _, rows in cols)
    slot = sum(_COL) + 0.3
    width, height = max(6.4, 2.75 * len(cols) + 0.4), 2.2 + 0.3 * tallest
    fig = plt.figure(figsize=(width, height))
    legend_in = 0.95   # inches kept for the legends below the map
    ax = fig.add_axes((0.02, legend_in / height, 0.96, 1 - (legend_in + 0.35) / height))
    for i, (r, rows) in enumerate(cols):
        x0 = i * slot + _COL[0]
        y = 0.0
        last_label = -9.0
        for row in rows:
            free = row.group is None
            ax.add_patch(Rectangle((x0, y), _COL[1], row.height, facecolor=FREE if free else GROUP_COLORS[row.group],
                                   edgecolor="#888888" if free else "white", linewidth=0.8,
                                   linestyle="--" if free else "-"))
            mid = y + row.height / 2
            if free:
                ax.text(x0 + _COL[1] / 2, mid, f"free\n{kb(row.size)}", ha="center", va="center", fontsize=7,
                        color="#555555")
            elif row.height >= _MIN:
                text = f"{row.group}\n{kb(row.size)}"
                if row.block is not None and len(row.block.parts) == 2 and row.height >= 1.3:
                    text += "\n" + " + ".join(f"{k} {kb(n)}" for k, n in row.block.parts)
                ax.text(x0 + _COL[1] + 0.12, mid, text, ha="left", va="center", fontsize=7.5, linespacing=1.15)
            if y - last_label >= 0.55:
                ax.text(x0 - 0.1, y, f"0x{row.start:08x}", ha="right", va="center", fontsize=6.5,
                        family="monospace", color="#444444")
                last_label = y
            y += row.height
        ax.text(x0 - 0.1, y, f"0x{r.origin + r.size:08x}", ha="right", va="center", fontsize=6.5, family="monospace",
                color="#444444")
        used = f"{kb(r.used)} of {kb(r.size)} ({100 * r.used / r.size:.1f}%)" if r.size else kb(r.used)
        ax.text(x0 + _COL[1] / 2, y + 0.3, f"{r.name}\n{used}", ha="center", va="bottom", fontsize=8.5,
                fontweight="bold", linespacing=1.2)
    ax.set_xlim(0, slot * len(cols))
    ax.set_ylim(-0.3, tallest + 1.7)
    ax.axis("off")
    present = [g for g in GROUPS if any(b.group == g for r in mm.regions for b in r.blocks)]
    for owner, loc, x in ((Owner.MODEL, "lower left", 0.02), (Owner.HARNESS, "lower right", 0.98)):
        handles = [Patch(facecolor=GROUP_COLORS[g], label=g) for g in present if GROUP_OWNER[g] == owner]
        if handles:
            fig.legend(handles=handles, title=f"the {owner}'s", loc=loc, bbox_to_anchor=(x, 0.01), fontsize=7.5,
                       title_fontsize=8, ncol=2, frameon=False)
    fig.suptitle(title or "memory map (addresses grow upwards; free space not to scale)", fontsize=10,
                 y=1 - 0.12 / height)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata=_META)
    plt.close(fig)
    return path


# --- several variants ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Metric:
    """One panel of a comparison: a label, the unit of its values (see :func:`unit_of`), one value per
    variant (None: no value)."""

    label: str
    unit: str
    values: tuple[float | None, ...]


def comparison_bars(names: Sequence[str], metrics: Sequence[Metric], path: Path, title: str = "") -> Path:
    """One small bar chart per metric (flash, RAM, latency, accuracy ...), variants side by side;
    a variant without a value for a metric gets no bar."""
    plt = _pyplot()
    k = len(metrics)
    cols = min(k, 2)
    rows = (k + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 1.0 + rows * (1.0 + 0.42 * max(1, len(names)))),
                             squeeze=False)
    colors = plt.get_cmap("tab10").colors
    for ax, m in zip(axes.flat, metrics):
        u = unit_of(m.unit)
        y = np.arange(len(names))
        for i, v in enumerate(m.values):
            if v is not None:
                ax.barh(i, v, color=colors[i % 10])
                ax.text(v, i, " " + u.value(v), va="center", fontsize=7)
        ax.set_yticks(y, labels=list(names), fontsize=8)
        ax.invert_yaxis()
        ax.set_title(m.label, fontsize=9)
        present = [v for v in m.values if v is not None]
        top = max(present) if present and max(present) > 0 else 1.0
        if u.bytes:
            ax.set_xlim(0, max(top * 1.3, _byte_axis(ax, top * 1.05)))
        elif u.name == "%":
            ax.set_xlim(0, 118)
            ax.set_xticks([0, 25, 50, 75, 100], labels=["0", "25%", "50%", "75%", "100%"])
        else:
            ax.set_xlim(0, top * 1.3)
            _count_axis(ax, "x", bins=4)
            ax.set_xlabel(u.name, fontsize=8)
        ax.tick_params(axis="x", labelsize=7.5)
    for ax in list(axes.flat)[k:]:
        ax.set_visible(False)
    if title:
        fig.suptitle(title, fontsize=10)
    return _save(fig, path)


def _coincident(xs: Sequence[float], ys: Sequence[float], xspan: float, yspan: float) -> list[int]:
    """For each point, how many earlier points sit within 2 % of the axes' spans of it."""
    out = []
    for i in range(len(xs)):
        out.append(sum(1 for j in range(i) if abs(xs[i] - xs[j]) <= 0.02 * xspan and abs(ys[i] - ys[j]) <= 0.02 * yspan))
    return out


def tradeoff_scatter(names: Sequence[str], accuracy: Sequence[float | None], latency: Sequence[float | None],
                     flash_bytes: Sequence[float], unit: str, path: Path, title: str = "",
                     reference: Sequence[float | None] | None = None) -> Path:
    """Two panels: accuracy (%) against latency (p50, `unit`) and against flash. Each variant has its
    own marker and colour; points that coincide are drawn nested (the later one smaller, on top) with
    their labels offset along a leader line. Variants without an accuracy get no point; `reference`
    (TFLM's accuracy on the same samples) is drawn hollow where it differs."""
    plt = _pyplot()
    panels = [(f"latency p50 ({unit})", latency, False), ("flash", flash_bytes, True)]
    fig, axes = plt.subplots(1, 2, figsize=(10.0, 4.2), squeeze=False)
    colors = plt.get_cmap("tab10").colors
    accs = [100 * a for a in accuracy if a is not None] + [100 * r for r in (reference or ()) if r is not None]
    lo, hi = (min(accs), max(accs)) if accs else (0.0, 100.0)
    pad = max(1.0, 0.15 * (hi - lo))
    ylim = (max(0.0, lo - 3 * pad), min(100.0, hi) + pad)
    for ax, (label, xs, is_bytes) in zip(axes.flat, panels):
        shown = [i for i, (a, x) in enumerate(zip(accuracy, xs)) if a is not None and x is not None]
        top = max((float(xs[i]) for i in shown), default=1.0) or 1.0  # type: ignore[arg-type]
        xlim = top * 1.3
        px = [float(xs[i]) for i in shown]  # type: ignore[arg-type]
        py = [100 * float(accuracy[i]) for i in shown]  # type: ignore[arg-type]
        stack = _coincident(px, py, xlim, ylim[1] - ylim[0])
        for k, i in enumerate(shown):
            c = colors[i % 10]
            depth = stack[k]
            ax.scatter([px[k]], [py[k]], s=max(30, 150 - 45 * depth), marker=MARKERS[i % len(MARKERS)], color=c,
                       edgecolors="white", linewidths=0.8, zorder=3 + depth, label=names[i])
            ax.annotate(names[i], (px[k], py[k]), textcoords="offset points", xytext=(10, 8 - 14 * depth), fontsize=8,
                        color=c, arrowprops={"arrowstyle": "-", "color": c, "linewidth": 0.6} if depth else None,
                        va="center")
            if reference is not None and reference[i] is not None and abs(reference[i] - accuracy[i]) > 1e-12:
                ax.scatter([px[k]], [100 * reference[i]], s=60, marker=MARKERS[i % len(MARKERS)], facecolors="none",
                           edgecolors=c, zorder=3)
        ax.set_xlabel(label if not is_bytes else "flash")
        ax.set_ylabel("accuracy on device (%)")
        ax.grid(True, linewidth=0.4, alpha=0.5)
        if is_bytes:
            ax.set_xlim(0, max(xlim, _byte_axis(ax, xlim)))
        else:
            ax.set_xlim(0, xlim)
            _count_axis(ax, "x", bins=4)
        ax.set_ylim(*ylim)
    handles, labels = axes[0][0].get_legend_handles_labels()
    if handles:
        fig.legend(handles, labels, loc="lower center", ncol=min(5, len(handles)), fontsize=8, frameon=False,
                   markerscale=0.7)
    fig.suptitle(title or "accuracy against latency and size", fontsize=10)
    fig.tight_layout(rect=(0, 0.08 if handles else 0, 1, 1))
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110, metadata=_META)
    plt.close(fig)
    return path


# --- benchmarks ----------------------------------------------------------------------------------------

def grouped_bars(groups: Sequence[str], series: Sequence[tuple[str, Sequence[float | None]]], unit: str, path: Path,
                 title: str = "", log: bool = False, target: Sequence[float | None] | None = None) -> Path:
    """Horizontal bars: one group per row label (a model), one bar per series (a core) in it; `log`
    for values spanning decades; `target`: a tick per group (a goal to stay under)."""
    plt = _pyplot()
    colors = plt.get_cmap("tab10").colors
    n = max(1, len(series))
    h = 0.8 / n
    fig, ax = plt.subplots(figsize=(7.6, 1.2 + len(groups) * (0.2 + 0.2 * n)))
    u = unit_of(unit)
    for s, (name, vals) in enumerate(series):
        ys = [g + (s - (n - 1) / 2) * h for g in range(len(groups))]
        for y, v in zip(ys, vals):
            if v is not None:
                ax.barh(y, v, height=h * 0.92, color=colors[s % 10])
                # over the target's dotted line, on white: a value the line crosses stays readable
                ax.text(v, y, " " + u.value(v), va="center", fontsize=6.5, zorder=4,
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.4, "alpha": 0.9})
    if target is not None:
        for g, t in enumerate(target):
            if t is not None:
                ax.plot([t, t], [g - 0.45, g + 0.45], color="black", linewidth=1.2, linestyle=":", zorder=3)
    ax.set_yticks(range(len(groups)), labels=list(groups), fontsize=8)
    ax.invert_yaxis()
    present = [v for _, vals in series for v in vals if v is not None]
    top = max(present, default=1.0)
    if log:
        from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter
        ax.set_xscale("log")
        ax.set_xlim(min(present, default=1.0) / 2, top * 6)
        ax.xaxis.set_major_locator(LogLocator(base=10))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: si(v)))
        ax.xaxis.set_minor_formatter(NullFormatter())
    elif u.bytes:
        ax.set_xlim(0, max(top * 1.3, _byte_axis(ax, top * 1.05)))
    else:
        ax.set_xlim(0, top * 1.3)
        _count_axis(ax, "x")
    ax.set_xlabel(unit + (" (log scale)" if log else ""), fontsize=8)
    from matplotlib.patches import Patch
    ax.legend(handles=[Patch(facecolor=colors[s % 10], label=name) for s, (name, _) in enumerate(series)],
              fontsize=7.5, loc="lower right", frameon=False)
    ax.set_title(title, fontsize=10)
    return _save(fig, path)
