"""Self-contained HTML reports: one file a browser opens without a network, without JavaScript.

The report modules (run_report, validate_report, compare, bench) compute a :class:`Page` -- every
number already formatted as text, every plot a PNG -- and :func:`write_html` lays it out through
``templates/report.html.j2``: the summary first (the verdict, key figures, memory against the budget),
then the plots, the tables, and what failed. The plots are embedded as ``data:`` URIs, the style sheet
is inline, and a Content-Security-Policy forbids the page any other resource, so the file can be
mailed, archived by CI or opened from a pull request as it is.

Every value is HTML-escaped (the environment autoescapes; model, tensor, board and variant names come
from users); links go only to local files beside the report (no scheme, no absolute path).
"""

from __future__ import annotations

import base64
import enum
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import jinja2

from codegen.errors import McuforgeError
from codegen.files import write_text_atomic
from codegen.resources import TEMPLATES_DIR
from codegen.version import __version__

TEMPLATE = "report.html.j2"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


# Tone and Table are shaped like export.formats.ExportFormat and FormatSpec (a `duplicates` pair): an
# enum then a record, of unrelated things.
class Tone(enum.StrEnum):
    GOOD = "good"
    WARN = "warn"
    BAD = "bad"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Table:
    """A table of formatted cells; `align`: a letter per column, l or r, from the first (the columns it
    does not cover are right-aligned; default: the first column left, the others right)."""

    head: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    align: str = ""
    caption: str = ""

    def __post_init__(self) -> None:
        if any(len(r) != len(self.head) for r in self.rows) or len(self.align) > len(self.head) \
                or set(self.align) - {"l", "r"}:
            raise ValueError(f"table {self.caption or self.head!r}: every row needs {len(self.head)} cells, "
                             "align at most one l or r per column")

    @property
    def aligns(self) -> tuple[str, ...]:
        """left or right per column: `align`, then the remaining columns right-aligned."""
        a = (self.align or "l").ljust(len(self.head), "r")
        return tuple("right" if c == "r" else "left" for c in a)

    def markdown(self) -> list[str]:
        """The same table in Markdown (pipes in cells escaped)."""
        def cell(s: str) -> str:
            return s.replace("|", "\\|")
        sep = ["---:" if a == "right" else "---" for a in self.aligns]
        return ["| " + " | ".join(map(cell, self.head)) + " |", "| " + " | ".join(sep) + " |"] + \
               ["| " + " | ".join(map(cell, r)) + " |" for r in self.rows]


@dataclass(frozen=True)
class Figure:
    """A plot, embedded: `src` is a data: URI of its PNG."""

    src: str
    alt: str
    caption: str = ""
    name: str = ""     # the PNG's file name beside the report

    @staticmethod
    def png(path: Path, alt: str, caption: str = "") -> "Figure":
        data = Path(path).read_bytes()
        if not data.startswith(PNG_SIGNATURE):
            raise McuforgeError(f"{path} is not a PNG file", hint="write the plot again")
        return Figure("data:image/png;base64," + base64.b64encode(data).decode("ascii"), alt, caption, Path(path).name)


@dataclass(frozen=True)
class Fact:
    """One figure of the summary: `value` large, `detail` under it."""

    label: str
    value: str
    detail: str = ""
    tone: Tone = Tone.NEUTRAL


@dataclass(frozen=True)
class Meter:
    """Something used against a budget (flash, RAM, a region, the stack)."""

    label: str
    used: int
    budget: int
    text: str                         # "22.5 KB of 1 MB"

    @property
    def share(self) -> float:
        return self.used / self.budget if self.budget else 0.0

    @property
    def percent(self) -> str:
        return f"{100 * self.share:.1f}%"

    @property
    def width(self) -> str:
        """The bar's CSS width (never past the end)."""
        return f"{min(100.0, 100 * self.share):.2f}%"

    @property
    def tone(self) -> Tone:
        return Tone.BAD if self.share > 1 else Tone.WARN if self.share > 0.85 else Tone.GOOD


@dataclass(frozen=True)
class Verdict:
    text: str          # bit-exact, complete, FAILED, MISMATCH ...
    tone: Tone
    detail: str = ""


_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Link:
    """A link to a file beside the report (report.md, run.json ...): relative, never a URL."""

    text: str
    href: str

    def __post_init__(self) -> None:
        if _SCHEME.match(self.href) or self.href.startswith(("/", "\\")) or "//" in self.href:
            raise ValueError(f"report links are relative file names, not {self.href!r}")


@dataclass(frozen=True)
class Section:
    title: str
    text: tuple[str, ...] = ()          # paragraphs
    tables: tuple[Table, ...] = ()
    pre: str = ""                       # preformatted text (a target's log)
    figures: tuple[Figure, ...] = ()

    @property
    def anchor(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-") or "section"

    def markdown(self) -> list[str]:
        """The section in Markdown (figures aside: a Markdown report links its PNG files itself)."""
        out = [f"## {self.title}", ""]
        for p in self.text:
            out += [p, ""]
        for t in self.tables:
            out += t.markdown() + [""]
        if self.pre:
            out += ["```", self.pre, "```", ""]
        return out


@dataclass(frozen=True)
class Page:
    """A whole report: summary, plots, tables, failures, in that order."""

    kind: str                           # run | test | compare | bench
    title: str
    subtitle: str
    verdict: Verdict
    facts: tuple[Fact, ...] = ()
    meters: tuple[Meter, ...] = ()
    plots: tuple[Figure, ...] = ()
    sections: tuple[Section, ...] = ()
    failures: tuple[Section, ...] = ()
    links: tuple[Link, ...] = ()
    notes: tuple[str, ...] = field(default=())   # under the summary

    @property
    def nav(self) -> tuple[tuple[str, str], ...]:
        """(anchor, title) of every part, for the table of contents."""
        out = [("summary", "Summary")]
        if self.plots:
            out.append(("plots", "Plots"))
        out += [(s.anchor, s.title) for s in (*self.sections, *self.failures)]
        return tuple(out)


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """HTML templates: StrictUndefined, every value escaped."""
    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES_DIR)), undefined=jinja2.StrictUndefined,
                              autoescape=True, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def render(page: Page) -> str:
    return environment().get_template(TEMPLATE).render(page=page, version=__version__)


def write_html(page: Page, path: Path) -> Path:
    """The page as one self-contained file (written atomically)."""
    return write_text_atomic(path, render(page))


def markdown_link(name: str) -> str:
    """The line a Markdown report carries to its HTML twin."""
    return f"Open [{name}]({name}) in a browser for this report with its plots in one file (no network needed)."
