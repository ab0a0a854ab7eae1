"""One option's value from its text: each kind knows the form it accepts (for errors and help) and
raises ``ValueError`` with a short reason when the text is not of that form."""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

TRUE = ("1", "yes", "true", "on")
FALSE = ("0", "no", "false", "off")


@dataclass(frozen=True)
class Value:
    """A kind of value: its accepted form, said to people, and its parser."""

    form: str
    parse: Callable[[str], Any]


def flag() -> Value:
    def parse(text: str) -> bool:
        t = text.strip().lower()
        if t in TRUE:
            return True
        if t in FALSE:
            return False
        raise ValueError("not a yes/no value")
    return Value("1 or 0 (also yes/no, true/false, on/off)", parse)


def integer(lo: int | None = None, hi: int | None = None, what: str = "a whole number") -> Value:
    form = what + (f" from {lo:,} to {hi:,}" if lo is not None and hi is not None else
                   f" >= {lo:,}" if lo is not None else f" <= {hi:,}" if hi is not None else "")

    def parse(text: str) -> int:
        t = text.strip()
        try:
            v = int(t)
        except ValueError:
            try:
                v = int(t, 0)  # 0x1000, 0b1010
            except ValueError:
                raise ValueError("not a whole number") from None
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise ValueError("out of range")
        return v
    return Value(form, parse)


def number(above: float = 0.0, hi: float | None = None, unit: str = "") -> Value:
    form = f"a number > {above:g}" + (f" and <= {hi:g}" if hi is not None else "") + (f" ({unit})" if unit else "")

    def parse(text: str) -> float:
        try:
            v = float(text.strip())
        except ValueError:
            raise ValueError("not a number") from None
        if not math.isfinite(v) or v <= above or (hi is not None and v > hi):
            raise ValueError("out of range")
        return v
    return Value(form, parse)


def choice(kind: type[enum.StrEnum]) -> Value:
    names = [k.value for k in kind]

    def parse(text: str) -> enum.StrEnum:
        try:
            return kind(text.strip())
        except ValueError:
            raise ValueError("not one of the choices") from None
    return Value("|".join(names), parse)


def path(suffixes: tuple[str, ...] = (), must_exist: bool = True, what: str = "file") -> Value:
    form = (f"a {'/'.join(suffixes)} {what}" if suffixes else f"a {what}") + (" that exists" if must_exist else "")

    def parse(text: str) -> Path:
        if not text.strip():
            raise ValueError("empty")
        p = Path(text).expanduser()
        if suffixes and p.suffix.lower() not in suffixes:
            raise ValueError(f"not a {'/'.join(suffixes)} file")
        if must_exist and not p.exists():
            raise ValueError(f"{what} not found")
        if must_exist and what != "directory" and not p.is_file():
            raise ValueError(f"not a {what}")
        return p
    return Value(form, parse)


def text(what: str = "text", allow_empty: bool = False) -> Value:
    def parse(t: str) -> str:
        if not t.strip() and not allow_empty:
            raise ValueError("empty")
        if any(ord(c) < 32 for c in t):
            raise ValueError("control characters")
        return t
    return Value(what, parse)
