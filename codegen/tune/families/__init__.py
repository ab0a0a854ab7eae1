"""The model families ``tune`` searches: a registry filled by this package's modules (one family per
module: :mod:`.dscnn`, :mod:`.conv1d`, :mod:`.mlp`), and the hook for a user's own builder.

A family declares its parameters (:class:`FamilyParam`: name, kind, default, the values that make
sense) so that a space file is checked before anything trains, and a ``build`` function that turns
one trial's values into a Keras model ending in a Softmax layer (the distillation reads the logits
before it). A user's builder (``builder = "module:function"`` in the space file) is called the same
way: ``function(params, input_shape=..., classes=...)`` with the sampled values as a mapping.
"""

from __future__ import annotations

import enum
import importlib
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Mapping

from codegen.errors import McuforgeError
from codegen.plugins import Registry

Scalar = int | float | str | bool
Builder = Callable[..., Any]     # (params, input_shape=..., classes=...) -> keras.Model


class ValueKind(enum.StrEnum):
    INT = "int"
    FLOAT = "float"
    CHOICE = "choice"            # one of `choices`


@dataclass(frozen=True)
class FamilyParam:
    """One parameter a family takes: its kind, default and the values that make sense."""

    name: str
    kind: ValueKind
    default: Scalar
    help: str
    low: float | None = None     # smallest accepted value (int/float)
    high: float | None = None    # largest accepted value
    low_open: bool = False       # `low` itself is not accepted (a width > 0)
    choices: tuple[Scalar, ...] = ()

    def accepts(self, v: Scalar) -> bool:
        if self.kind == ValueKind.CHOICE:
            return v in self.choices
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            return False
        if self.kind == ValueKind.INT and not float(v).is_integer():
            return False
        if self.low is not None and (v < self.low or (self.low_open and v == self.low)):
            return False
        return self.high is None or v <= self.high

    @property
    def domain(self) -> str:
        """The accepted values in words: "an int from 1 to 8", "one of 3, 5"."""
        if self.kind == ValueKind.CHOICE:
            return "one of " + ", ".join(str(c) for c in self.choices)
        what = "a whole number" if self.kind == ValueKind.INT else "a number"
        lo = "" if self.low is None else (f" > {self.low:g}" if self.low_open else f" >= {self.low:g}")
        hi = "" if self.high is None else f" <= {self.high:g}"
        return what + (lo + (" and" if lo and hi else "") + hi)


@dataclass(frozen=True)
class Family:
    name: str
    summary: str                          # one line: what it is for
    params: tuple[FamilyParam, ...]
    build: Builder                        # (params, input_shape=, classes=) -> keras.Model
    input_ranks: tuple[int, ...]          # accepted per-sample input ranks (2: HxW, 3: HxWxC ...)

    def param(self, name: str) -> FamilyParam | None:
        return next((p for p in self.params if p.name == name), None)


_FAMILIES: Registry[Family] = Registry("codegen.tune.families", "model family")


def register(family: Family) -> Family:
    return _FAMILIES.register(family.name, family)


def families() -> dict[str, Family]:
    return _FAMILIES.entries()


def family(name: str) -> Family:
    """The registered family `name`; an unknown name is an error listing the known ones."""
    known = families()
    if name not in known:
        raise McuforgeError(f"unknown model family {name!r}",
                            hint="family = one of " + ", ".join(f'"{n}" ({f.summary})' for n, f in sorted(known.items()))
                                 + ', or builder = "module:function" for your own')
    return known[name]


def user_builder(spec: str, base: Path | None = None) -> Builder:
    """The user's ``module:function`` (the module found on sys.path or beside the space file)."""
    module, sep, func = spec.partition(":")
    if not sep or not module or not func.isidentifier():
        raise McuforgeError(f"builder = {spec!r}: expected \"module:function\"",
                            hint='e.g. builder = "mymodels:build" for def build(params, input_shape, classes) in '
                                 "mymodels.py beside the space file")
    if base is not None and str(base) not in sys.path:
        sys.path.insert(0, str(base))
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise McuforgeError(f"builder = {spec!r}: cannot import {module!r} ({exc})",
                            hint="put the module beside the space file or on PYTHONPATH") from None
    fn = getattr(mod, func, None)
    if not callable(fn):
        raise McuforgeError(f"builder = {spec!r}: {module} has no function {func!r}",
                            hint=f"define def {func}(params, input_shape, classes) -> keras.Model in {module}")
    return fn


def with_defaults(fam: Family, values: Mapping[str, Scalar]) -> dict[str, Scalar]:
    """The family's parameters: the trial's values over the family's defaults."""
    return {p.name: values.get(p.name, p.default) for p in fam.params}
