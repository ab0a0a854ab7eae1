"""Small, validated helpers that turn Python values into C tokens (identifiers, literals, arrays).

Only tokens are built here; whole files come from templates.
"""

from __future__ import annotations

import math
import re

import numpy as np

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_C_KEYWORDS = frozenset("""auto break case char const continue default do double else enum extern float for
goto if inline int long register restrict return short signed sizeof static struct switch typedef union
unsigned void volatile while _Bool _Complex _Imaginary""".split())


def ident(name: str) -> str:
    if not _IDENT.match(name) or name in _C_KEYWORDS:
        raise ValueError(f"{name!r} is not a valid C identifier")
    return name


def prefixed(prefix: str, name: str) -> str:
    return ident(f"{prefix}_{name}")


def c_int(v: int | np.integer) -> str:
    v = int(v)
    if v == -(1 << 31):
        return "(-2147483647 - 1)"
    if v < -(1 << 31) or v >= (1 << 31):
        if v == -(1 << 63):
            return "(-9223372036854775807LL - 1)"
        return f"{v}LL"
    return str(v)


def c_float(v: float) -> str:
    """An exact float32 literal: a C99 hex float (or HUGE_VALF for infinities)."""
    f = float(np.float32(v))
    if math.isinf(f):
        return "HUGE_VALF" if f > 0 else "(-HUGE_VALF)"
    if math.isnan(f):
        raise ValueError("NaN constants are not supported")
    if f == 0.0:
        return "-0.0f" if math.copysign(1.0, f) < 0 else "0.0f"
    return f.hex() + "f"


def c_string(s: str) -> str:
    out = s.encode("ascii", "replace").decode("ascii")
    return '"' + out.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def array_rows(values: np.ndarray, ctype: str, per_line: int | None = None) -> list[str]:
    """Array initialiser rows (without braces): ints as decimals, floats as exact hex floats."""
    flat = np.asarray(values).reshape(-1)
    if ctype in ("float", "double"):
        items = [c_float(x) for x in flat.tolist()]
        per_line = per_line or 6
    else:
        items = [c_int(x) for x in flat.tolist()]
        per_line = per_line or 20
    return [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
