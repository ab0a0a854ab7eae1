"""The params structs of firmware/include/mcuforge/nn.h, read with a small C declaration parser, and
the check that a :class:`~codegen.ops.base.KernelCall` names exactly their fields.

The generated C initialises params structs with designated initialisers, so a field Python forgets
compiles and silently becomes 0. :func:`call_problems` makes that an error: every field of the struct
named once (names and count), nested struct fields (``mf_broadcast bc``) given as a
:class:`~codegen.ops.base.Struct` and checked the same way, array fields given as tuples of the
declared length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from codegen.lowering import CompiledModel
from codegen.ops.base import KernelCall, Struct
from codegen.resources import FIRMWARE_DIR

NN_H = FIRMWARE_DIR / "include" / "mcuforge" / "nn.h"


@dataclass(frozen=True)
class CField:
    """One member of a C struct: `int32_t outer[5]` is CField("outer", "int32_t", 0, 5)."""

    name: str
    ctype: str            # the base type without qualifiers ("int32_t", "mf_broadcast", "void")
    pointers: int         # levels of `*` (a function pointer counts as 1)
    length: int | None    # the array length, None for a scalar member


def _strip_comments(text: str) -> str:
    return re.sub(r"//[^\n]*", " ", re.sub(r"/\*.*?\*/", " ", text, flags=re.S))


def _defines(text: str) -> dict[str, int]:
    return {m.group(1): int(m.group(2), 0)
            for m in re.finditer(r"^\s*#\s*define\s+(\w+)\s+\(?\s*(0x[0-9a-fA-F]+|\d+)u?\s*\)?\s*$", text, re.M)}


def _members(decl: str, defines: dict[str, int]) -> list[CField]:
    decl = " ".join(decl.split())
    fn = re.fullmatch(r"[\w\s]+\(\s*\*\s*(\w+)\s*\)\s*\(.*\)", decl)
    if fn:  # a function pointer: `void (*run)(void)`
        return [CField(fn.group(1), "fn", 1, None)]
    words = re.fullmatch(r"((?:(?:const|volatile|struct|unsigned|signed)\s+)*\w+)\s+(.+)", decl)
    if not words:
        raise ValueError(f"cannot read the member declaration {decl!r}")
    base = " ".join(w for w in words.group(1).split() if w not in ("const", "volatile", "struct"))
    out = []
    for d in words.group(2).split(","):
        m = re.fullmatch(r"\s*((?:\*\s*(?:const\s*)?)*)(\w+)\s*(?:\[\s*(\w+)\s*\])?\s*", d)
        if not m:
            raise ValueError(f"cannot read the declarator {d!r} in {decl!r}")
        stars, name, dim = m.groups()
        length = None if dim is None else (int(dim, 0) if dim[0].isdigit() else defines[dim])
        out.append(CField(name, base, stars.count("*"), length))
    return out


def parse_structs(text: str) -> dict[str, tuple[CField, ...]]:
    """Every `typedef struct { ... } name;` of a C header: name -> members in declaration order."""
    defines = _defines(text)
    code = _strip_comments(text)
    out = {}
    for m in re.finditer(r"typedef\s+struct\s*\w*\s*\{(.*?)\}\s*(\w+)\s*;", code, re.S):
        body, name = m.groups()
        out[name] = tuple(f for decl in body.split(";") if decl.strip() for f in _members(decl, defines))
    return out


@lru_cache(maxsize=1)
def nn_structs(path: Path = NN_H) -> dict[str, tuple[CField, ...]]:
    return parse_structs(path.read_text())


def fields_problems(where: str, type_name: str, given: tuple, structs: dict[str, tuple[CField, ...]]) -> list[str]:
    """What is wrong with the (name, value) pairs `given` for the struct `type_name`."""
    if type_name not in structs:
        return [f"{where}: no struct {type_name} in nn.h"]
    declared = {f.name: f for f in structs[type_name]}
    names = [n for n, _ in given]
    problems = []
    missing = [n for n in declared if n not in names]
    unknown = [n for n in names if n not in declared]
    twice = sorted({n for n in names if names.count(n) > 1})
    if missing:
        problems.append(f"{where}: {type_name} fields not set: {', '.join(missing)}")
    if unknown:
        problems.append(f"{where}: no such fields in {type_name}: {', '.join(unknown)}")
    if twice:
        problems.append(f"{where}: set twice: {', '.join(twice)}")
    if len(names) != len(declared) and not (missing or unknown or twice):
        problems.append(f"{where}: {len(names)} fields for {type_name}'s {len(declared)}")
    for name, value in given:
        f = declared.get(name)
        if f is None:
            continue
        if f.ctype in structs and not f.pointers:
            if not isinstance(value, Struct):
                problems.append(f"{where}.{name}: a {f.ctype} is given as {type(value).__name__}, not a Struct "
                                "(a positional initialiser depends on nn.h's field order)")
            else:
                problems += fields_problems(f"{where}.{name}", f.ctype, value.fields, structs)
        elif f.length is not None and (not isinstance(value, tuple) or len(value) != f.length):
            got = len(value) if isinstance(value, tuple) else type(value).__name__
            problems.append(f"{where}.{name}: {f.ctype}[{f.length}] given {got} values")
    return problems


def call_problems(call: KernelCall, where: str = "") -> list[str]:
    """Every way `call`'s params differ from its struct in nn.h (empty when they match)."""
    if call.params_type is None:
        return [f"{where or call.function}: params given without a params type"] if call.params else []
    return fields_problems(where or call.function, call.params_type, call.params, nn_structs())


def model_problems(compiled: CompiledModel) -> list[str]:
    """call_problems for every kernel call of a compiled model (every subgraph)."""
    out = []
    for steps in (compiled.steps, *compiled.sub_steps.values()):
        for s in steps:
            for k, c in enumerate(s.calls):
                out += call_problems(c, f"{compiled.prefix} op {s.op_index} ({s.opcode}) {c.function}"
                                        + (f" call {k}" if k else ""))
    return out
