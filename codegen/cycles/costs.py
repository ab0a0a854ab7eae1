"""Per-core instruction timings (boards/timing/<core>.toml) and the estimate they give.

A table names the manuals its numbers come from (`[sources]`), what it assumes where a manual gives
a range or nothing (`[assumptions]`), what it ignores, and for every class and event of
:mod:`codegen.cycles.events` the cycles one occurrence costs with the source of that number.
``estimated cycles = sum over events of count x cycles``: an *estimate* of the cycles the same
instructions would take on the core with zero-wait-state memory, never a measurement.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from codegen.cycles.counts import EventCounts
from codegen.cycles.events import EVENTS, Event
from codegen.errors import McuforgeError
from codegen.resources import BOARDS_DIR

TIMING_DIR = BOARDS_DIR / "timing"


class CostTableError(McuforgeError):
    pass


# These records are shaped like bench.Published, boards.schema.UsbId/Emulator, floatref.OutputFidelity
# and ops.base.Share/Alias (`duplicates` pairs): small typed records of unrelated things, kept apart.
@dataclass(frozen=True)
class Cost:
    cycles: float
    source: str


@dataclass(frozen=True)
class CostTable:
    core: str
    title: str
    path: Path
    sources: Mapping[str, str]
    assumptions: Mapping[str, str]
    ignores: tuple[str, ...]
    costs: Mapping[Event, Cost]

    def cycles(self, counts: EventCounts) -> float:
        """Estimated cycles of the instructions in `counts`."""
        return sum(n * self.costs[e].cycles for e, n in counts.nonzero().items())

    def breakdown(self, counts: EventCounts) -> dict[Event, float]:
        """Estimated cycles per class and event (nonzero only)."""
        return {e: n * self.costs[e].cycles for e, n in counts.nonzero().items() if self.costs[e].cycles}


def _fail(path: Path, what: str) -> CostTableError:
    return CostTableError(f"{path}: {what}", hint=f"fix {path.name} (format: boards/timing/cortex-m4.toml)")


def _strings(path: Path, data: Any, key: str) -> Mapping[str, str]:
    table = data.get(key, {})
    if not isinstance(table, dict) or not all(isinstance(v, str) for k, v in table.items() if k != "ignores"):
        raise _fail(path, f"[{key}] must map names to strings")
    return MappingProxyType({k: v for k, v in table.items() if k != "ignores"})


def parse_cost_table(path: Path) -> CostTable:
    """Load and check one table: every event present exactly once with a finite, non-negative cost."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as e:
        raise _fail(path, f"cannot read: {e}") from None
    for key in ("core", "title"):
        if not isinstance(data.get(key), str):
            raise _fail(path, f"`{key}` must be a string")
    assumptions = _strings(path, data, "assumptions")
    ignores = data.get("assumptions", {}).get("ignores", [])
    if not isinstance(ignores, list) or not ignores or not all(isinstance(s, str) for s in ignores):
        raise _fail(path, "[assumptions] must list what the estimate `ignores` (strings)")
    raw = data.get("cycles")
    if not isinstance(raw, dict):
        raise _fail(path, "needs a [cycles] table")
    names = {e.value: e for e in EVENTS}
    unknown = sorted(set(raw) - set(names))
    missing = [e.value for e in EVENTS if e.value not in raw]
    if unknown or missing:
        raise _fail(path, f"[cycles] must give every class and event once; unknown {unknown}, missing {missing}")
    costs: dict[Event, Cost] = {}
    for name, entry in raw.items():
        if not (isinstance(entry, dict) and set(entry) == {"cycles", "source"}
                and isinstance(entry["cycles"], (int, float)) and not isinstance(entry["cycles"], bool)
                and math.isfinite(entry["cycles"]) and entry["cycles"] >= 0 and isinstance(entry["source"], str)
                and entry["source"].strip()):
            raise _fail(path, f"`cycles.{name}` must be {{ cycles = <number >= 0>, source = \"<where from>\" }}")
        costs[names[name]] = Cost(float(entry["cycles"]), entry["source"])
    return CostTable(data["core"], data["title"], path, _strings(path, data, "sources"), assumptions,
                     tuple(ignores), MappingProxyType(costs))


@lru_cache(maxsize=None)
def cost_table(name: str, timing_dir: Path = TIMING_DIR) -> CostTable:
    """The table `boards/timing/<name>.toml`."""
    path = timing_dir / f"{name}.toml"
    if not path.is_file():
        known = sorted(p.stem for p in timing_dir.glob("*.toml"))
        raise CostTableError(f"no instruction timing table {name!r}", hint=f"one of {known}, or add {path}")
    table = parse_cost_table(path)
    if table.core != name:
        raise _fail(path, f"`core` is {table.core!r}, the file is named {name!r}")
    return table
