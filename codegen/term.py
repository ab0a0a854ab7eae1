"""Terminal output that reads well interactively and in CI logs: aligned key/value lines, sizes,
percentages, and progress lines (no cursor tricks, so logs stay clean)."""

from __future__ import annotations

import sys
import time
from typing import Iterable, Iterator, TypeVar

T = TypeVar("T")


def kb(n: int | None) -> str:
    """A byte count for people: 640 B, 13.7 KB, 4 MB."""
    if n is None:
        return "-"
    if n >= 1024 * 1024:
        mb = n / (1024 * 1024)
        return f"{mb:.0f} MB" if mb == int(mb) else f"{mb:.1f} MB"
    if n >= 1024:
        k = n / 1024
        return f"{k:.0f} KB" if k == int(k) else f"{k:.1f} KB"
    return f"{n} B"


def pct(part: int, whole: int | None) -> str:
    return f"{100.0 * part / whole:.1f}%" if whole else "-"


def num(n: float) -> str:
    return f"{n:,.0f}"


def say(line: str = "") -> None:
    print(line, flush=True)


def kv(key: str, value: str, width: int = 14) -> None:
    say(f"  {key:<{width}} {value}")


def progress(items: Iterable[T], total: int, label: str, every: float = 2.0) -> Iterator[T]:
    """Yield items, printing `label k/total` at most every `every` seconds and at the end."""
    last = 0.0
    start = time.monotonic()
    k = 0
    for k, item in enumerate(items, 1):
        yield item
        now = time.monotonic()
        if now - last >= every or k == total:
            rate = k / max(now - start, 1e-9)
            print(f"  {label} {k}/{total} ({rate:.1f}/s)", file=sys.stdout, flush=True)
            last = now
