"""Small, validated helpers that turn Python values into tokens of generated text: C identifiers,
literals, comments and arrays; values for PlatformIO's INI files and linker scripts.

Only tokens are built here; whole files come from templates. Text that may hold anything (a tensor
name, a file name, a board field) reaches a file only through a helper for its context, which
escapes it or refuses it; the one Jinja environment (`render.py`) refuses every other string that
could change the meaning of the file around it (see :func:`plain`).
"""

from __future__ import annotations

import math
import re
from typing import ClassVar

import numpy as np

from codegen.errors import McuforgeError


class UnsafeTextError(McuforgeError):
    """A value cannot be written into a generated file without changing the file's meaning."""


class Escaped(str):
    """Text already made safe for one kind of generated file: its `context` ("c", "ld", "ini")."""

    context: ClassVar[str] = ""


class CText(Escaped):
    context = "c"


class LdText(Escaped):
    context = "ld"


class IniText(Escaped):
    context = "ini"


# --- what may pass unescaped -------------------------------------------------------------------
# C and linker scripts: printable ASCII without quotes, backslashes, '?' (trigraphs: -std=c99 enables
# them, and `??/` is a backslash), '#', and without comment delimiters. Identifiers, numbers,
# operators and brackets pass: every token the generator builds.
_C_PLAIN_BAD = re.compile(r"""[^\x20-\x7e]|["'\\?#`@$]|/\*|\*/|//""")
# INI (PlatformIO's parser): one printable line; no `%` (configparser's interpolation), no `${`
# (PlatformIO's, and SCons's Python evaluation in the builder), no `;` or `#` after white space (an
# inline comment), no white space at either end. A lone `$` stays: SCons's `$BUILD_DIR` in commands.
_INI_COMMENT = re.compile(r"(^|\s)[;#]")


def _why_not_c(text: str) -> str | None:
    m = _C_PLAIN_BAD.search(text)
    if m is None:
        return None
    return f"{m.group(0)!r} at position {m.start()}"


def _why_not_ini(text: str) -> str | None:
    for k, ch in enumerate(text):
        if not ch.isprintable():
            return f"the character {ch!r} at position {k} (it could start a new line or setting)"
    if "%" in text:
        return f"'%' at position {text.index('%')} (interpolation in platformio.ini)"
    if "${" in text:
        return f"'${{' at position {text.index('${')} (interpolation in platformio.ini and its build)"
    m = _INI_COMMENT.search(text)
    if m:
        return f"{m.group(0).strip()!r} at position {m.start()} (it would start a comment in platformio.ini)"
    if text != text.strip():
        return "leading or trailing white space"
    return None


def _why_not_json(text: str) -> str | None:
    for k, ch in enumerate(text):
        if not ch.isprintable() or ch in '"\\':
            return f"the character {ch!r} at position {k}"
    return None


def _why_not_line(text: str) -> str | None:
    for k, ch in enumerate(text):
        if not ch.isprintable():
            return f"the character {ch!r} at position {k} (it could start a new line)"
    return None


_SCRIPT_SPECIAL = frozenset("$`\"'\\;#%{}")


def _why_not_script(text: str) -> str | None:
    """Makefiles, CMake scripts, Arduino's library.properties: one printable line, no character that
    expands, quotes, escapes, separates or comments in one of them."""
    why = _why_not_line(text)
    if why is None:
        bad = [ch for ch in text if ch in _SCRIPT_SPECIAL]
        if bad:
            why = f"{bad[0]!r} at position {text.index(bad[0])} (it expands, quotes or comments in a build script)"
    return why


# "md": an exported library's README (read, never run): any printable line
_PLAIN = {"c": _why_not_c, "ld": _why_not_c, "ini": _why_not_ini, "json": _why_not_json, "script": _why_not_script,
          "md": _why_not_line}


def plain(text: str, context: str, what: str = "a value") -> str:
    """`text` unchanged if it may stand unescaped in a file of `context`; else :class:`UnsafeTextError`."""
    check = _PLAIN.get(context)
    why = "no raw text is allowed in this kind of file" if check is None else check(text)
    if why is None:
        return text
    raise UnsafeTextError(f"cannot write {what} {text!r} into a generated {context} file: it holds {why}",
                          hint="rename the file, directory or board field so it holds only letters, digits, "
                               "'_', '-', '.' and '/'; text that must keep other characters goes through "
                               "an escaping helper of codegen/emit/cgen.py")

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


_C_STRING_KEEP = frozenset(chr(c) for c in range(0x20, 0x7F)) - set('"\\?')


def c_string(s: str) -> CText:
    """A C string literal holding `s`'s UTF-8 bytes exactly: printable ASCII as itself, quotes and
    backslashes escaped, '?' as `\\?` (no trigraph can form), every other byte (control characters,
    CR, LF, NUL, non-ASCII) as a three-digit octal escape, which no following digit can extend. A '/'
    beside a '*' is escaped too, so the literal can neither end nor open a comment it is printed in."""
    data = s.encode("utf-8", "surrogateescape")
    out = []
    for k, b in enumerate(data):
        ch = chr(b)
        star_beside = ch == "/" and b"*" in (data[k - 1:k], data[k + 1:k + 2])
        keep = ch in _C_STRING_KEEP and not star_beside
        out.append(ch if keep else ("\\" + ch if ch in '"\\?' else f"\\{b:03o}"))
    return CText('"' + "".join(out) + '"')


_COMMENT_KEEP = frozenset(chr(c) for c in range(0x20, 0x7F)) - set("\\?")


def c_comment(s: str) -> CText:
    """Text for inside a C block comment: printable ASCII stays (names stay readable); backslashes,
    '?', control characters (CR and LF end a line: the next one would be code) and non-ASCII
    characters become `\\xNN`/`\\uNNNN`; `*/` and `/*` are broken up as `*\\x2f` and `/\\x2a`."""
    out = []
    for ch in s:
        if ch in _COMMENT_KEEP:
            out.append(ch)
        else:
            code = ord(ch)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    text = "".join(out)
    while "*/" in text or "/*" in text:
        text = text.replace("*/", "*\\x2f").replace("/*", "/\\x2a")
    return CText(text)


def c_code(text: str, what: str = "C code") -> CText:
    """A C fragment built by the generator (an expression, an attribute): refused unless plain."""
    return CText(plain(text, "c", what))


def c_section_attribute(section: str) -> CText:
    """`__attribute__((section(".<section>")))` for a section name that is a C identifier."""
    return CText(f"__attribute__((section({c_string('.' + ident(section))})))")


def ld_name(name: str) -> LdText:
    """A linker-script memory region / section name: an identifier."""
    if not _IDENT.match(name):
        raise UnsafeTextError(f"{name!r} cannot name a linker-script region", hint="use letters, digits and '_'")
    return LdText(name)


def ini_value(text: str, what: str = "a value") -> IniText:
    """A value for one line of platformio.ini (INI has no escapes: what cannot stand is refused)."""
    return IniText(plain(text, "ini", what))


_STAMP_KEEP = re.compile(r"[^A-Za-z0-9 ._+()=,-]")


def stamp_text(text: str) -> str:
    """`text` (a file name) reduced to characters safe in any generated file's comment, for stamps."""
    return _STAMP_KEEP.sub("_", text)


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
