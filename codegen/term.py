"""Terminal output that reads well interactively and in CI logs: aligned key/value lines, sizes,
percentages (no cursor tricks, so logs stay clean)."""

from __future__ import annotations


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


def kv_line(key: str, value: str, width: int = 14) -> str:
    """An aligned key/value line, as :func:`kv` prints it."""
    return f"  {key:<{width}} {value}"


def kv(key: str, value: str, width: int = 14) -> None:
    say(kv_line(key, value, width))
