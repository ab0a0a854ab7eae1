"""The operator support table: TFLM's operators x element types, beside what the registry generates.

TFLM's side is data (codegen/ops/tflm_ops.toml: its MicroMutableOpResolver list, the types each
kernel accepts and why it rejects the others); mcuforge's side is the registry (each handler's
``types``; an empty ``types`` means the handler never looks at element types: views, copies,
variables, control flow). Nothing here is written by hand: `python -m codegen ops [--markdown]`
prints it and README.md's operator section is its Markdown.
"""

from __future__ import annotations

import enum
import tomllib
from dataclasses import dataclass
from pathlib import Path

from codegen.errors import McuforgeError
from codegen.ops.registry import handler, supported_ops

DATA = Path(__file__).resolve().parent / "ops" / "tflm_ops.toml"
ANY = "any"
CUSTOM_PREFIX = "CUSTOM:"


class Cell(enum.Enum):
    SUPPORTED = "yes"
    REJECTED = "-"          # TFLM's kernel rejects this type: so does mcuforge (see the notes)
    PENDING = "pending"     # TFLM accepts it; listed in [pending]: another engineer is on it
    MISSING = "MISSING"     # TFLM accepts it and nothing says why mcuforge does not
    NOT_APPLICABLE = "n/a"  # the operator has no data tensors (VAR_HANDLE, CALL_ONCE)
    NOT_GENERATED = "no"    # a custom operator TFLM accepts this type for, mcuforge states why it has none


@dataclass(frozen=True)
class TflmOp:
    name: str
    custom: bool
    types: tuple[str, ...] | None  # None: any type
    kernel: str
    note: str = ""
    reason: str = ""
    status: str = ""  # custom operators mcuforge does not generate: why

    @property
    def registry_name(self) -> str:
        return CUSTOM_PREFIX + self.name if self.custom else self.name

    def rejects(self, columns: tuple[str, ...]) -> str:
        """Why TFLM rejects the columns' types it does not accept ("" if it accepts them all)."""
        if self.types is None or not self.types or set(columns) <= set(self.types):
            return ""
        return self.reason or f"TFLM's {self.kernel} takes {', '.join(self.types)} only"


@dataclass(frozen=True)
class Row:
    op: TflmOp
    cells: tuple[Cell, ...]
    handled: bool

    @property
    def status(self) -> str:
        if not self.handled:
            return "not generated"
        if all(c in (Cell.SUPPORTED, Cell.REJECTED, Cell.NOT_APPLICABLE) for c in self.cells):
            return "every type TFLM runs"
        return "partial"

    @property
    def notes(self) -> str:
        parts = [p for p in (self.op.note, self.op.rejects(COLUMNS)) if p]
        if self.op.status and not self.handled:
            parts.append(self.op.status)
        return "; ".join(parts)


@dataclass(frozen=True)
class SupportTable:
    commit: str
    columns: tuple[str, ...]
    builtins: tuple[Row, ...]
    customs: tuple[Row, ...]
    extra: tuple[str, ...]  # registry operators TFLM does not list (none expected)

    def gaps(self) -> list[tuple[str, str]]:
        """(operator, type) cells TFLM accepts that are neither supported nor pending."""
        return [(r.op.name, col) for r in self.builtins + self.customs for col, c in zip(self.columns, r.cells)
                if c == Cell.MISSING] + [(r.op.name, "-") for r in self.builtins if not r.handled and
                                         all(c == Cell.NOT_APPLICABLE for c in r.cells)]

    def pending(self) -> list[tuple[str, str]]:
        return [(r.op.name, col) for r in self.builtins + self.customs for col, c in zip(self.columns, r.cells)
                if c == Cell.PENDING]


def _load() -> dict:
    try:
        return tomllib.loads(DATA.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise McuforgeError(f"{DATA}: cannot read TFLM's operator list ({exc})",
                            hint="restore codegen/ops/tflm_ops.toml from the repository") from None


def _op(name: str, entry: dict, custom: bool) -> TflmOp:
    types = entry.get("types", [])
    return TflmOp(name=name, custom=custom, types=None if types == ANY else tuple(types),
                  kernel=entry.get("kernel", ""), note=entry.get("note", ""), reason=entry.get("reason", ""),
                  status=entry.get("status", ""))


COLUMNS: tuple[str, ...] = tuple(_load()["columns"])


def _row(op: TflmOp, columns: tuple[str, ...], pending: dict[str, list[str]]) -> Row:
    h = handler(op.registry_name)
    ours = None if h is None else ({t.name.lower() for t in h.types} if h.types else set(columns))
    if op.types == ():
        cell = Cell.NOT_APPLICABLE
        return Row(op, tuple(cell for _ in columns), handled=h is not None)
    accepted = set(columns) if op.types is None else set(op.types)
    cells = []
    for col in columns:
        if col not in accepted:
            cells.append(Cell.REJECTED)
        elif ours is not None and col in ours:
            cells.append(Cell.SUPPORTED)
        elif col in pending.get(op.name, ()):
            cells.append(Cell.PENDING)
        elif op.status:
            cells.append(Cell.NOT_GENERATED)
        else:
            cells.append(Cell.MISSING)
    return Row(op, tuple(cells), handled=h is not None)


def support_table() -> SupportTable:
    data = _load()
    columns = tuple(data["columns"])
    pending = {k: list(v) for k, v in data.get("pending", {}).items()}
    builtins = tuple(_row(_op(k, v, False), columns, pending) for k, v in sorted(data["builtin"].items()))
    customs = tuple(_row(_op(k, v, True), columns, pending) for k, v in sorted(data["custom"].items()))
    known = {r.op.registry_name for r in builtins + customs}
    return SupportTable(commit=data["commit"], columns=columns, builtins=builtins, customs=customs,
                        extra=tuple(o for o in supported_ops() if o not in known))


def summary(t: SupportTable) -> str:
    full = sum(r.status == "every type TFLM runs" for r in t.builtins)
    customs = sum(r.handled for r in t.customs)
    return (f"{full} of {len(t.builtins)} TFLM builtins generated in every type TFLM's kernel accepts; "
            f"{customs} of {len(t.customs)} TFLM custom operators (tflite-micro {t.commit[:12]})")


def render_markdown(t: SupportTable) -> list[str]:
    head = ("operator", *t.columns, "notes")
    out = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for title, rows in (("", t.builtins), ("custom: ", t.customs)):
        for r in rows:
            name = f"`{r.op.name}`" if r.handled else f"{r.op.name} (not generated)"
            out.append("| " + " | ".join((title + name, *(c.value for c in r.cells), r.notes)) + " |")
    out.append("")
    out.append(f"`yes`: generated, bit-exact with TFLM; `-`: TFLM's kernel rejects that type (so does mcuforge, "
               f"with TFLM's reason); `no`: not generated, for the reason given; `pending`: being added (issue 13); "
               f"`n/a`: no data tensors. {summary(t)}.")
    return out


def render_text(t: SupportTable) -> list[str]:
    head = ("operator", *t.columns, "status")
    rows = [(("" if not r.op.custom else "custom ") + r.op.name, *(c.value for c in r.cells), r.status)
            for r in t.builtins + t.customs]
    widths = [max(len(h), *(len(row[i]) for row in rows)) for i, h in enumerate(head)]

    def fmt(cells: tuple) -> str:
        return "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()

    out = [fmt(head), fmt(tuple("-" * w for w in widths)), *(fmt(r) for r in rows), ""]
    for r in t.builtins + t.customs:
        if r.notes:
            out.append(f"{r.op.name}: {r.notes}")
    out.append("")
    out.append(summary(t))
    gaps = t.gaps()
    if gaps:
        out.append("not yet generated (TFLM runs them): " + ", ".join(f"{o} {c}" for o, c in gaps))
    pending = t.pending()
    if pending:
        out.append("pending: " + ", ".join(f"{o} {c}" for o, c in pending))
    if t.extra:
        out.append("generated but not in TFLM's list: " + ", ".join(t.extra))
    return out
