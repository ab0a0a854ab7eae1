"""The space file: a small TOML file describing the family of models a study searches.

::

    family = "dscnn"                  # a family shipped with mcuforge (python -m codegen tune --families)
    # builder = "mymodels:build"      # ... or your own: def build(params, input_shape, classes) -> keras.Model

    [params]                          # every parameter: a fixed value, a range or a list of choices
    width = { low = 0.25, high = 1.0 }            # float range (a float bound makes it a float)
    depth = { low = 1, high = 3 }                 # int range (both bounds whole numbers)
    kernel = { choices = [3, 5] }                 # categorical
    learning_rate = { low = 1e-3, high = 1e-2, log = true }
    dropout = 0.1                                 # fixed

    [train]                           # brief training per trial
    epochs = 20                       # at most
    patience = 3                      # early stopping: epochs without a better held-out loss
    batch_size = 64
    holdout = 0.1                     # fraction of the training set the early stopping watches
    seed = 0

    [search]
    sampler = "tpe"                   # tpe | nsga2 | random
    seed = 0

Parameters a family does not take, keys a table does not know and values out of a parameter's
domain are errors naming them and what is accepted. Besides the family's own parameters every space
takes ``learning_rate`` and, with a teacher, the distillation's ``temperature`` and ``alpha``.
"""

from __future__ import annotations

import enum
import hashlib
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from codegen.errors import McuforgeError
from codegen.tune.families import Family, FamilyParam, Scalar, ValueKind, family

DISTILL_PARAMS = ("temperature", "alpha")


class ParamKind(enum.StrEnum):
    FIXED = "fixed"
    INT = "int"
    FLOAT = "float"
    CATEGORICAL = "categorical"


class SamplerKind(enum.StrEnum):
    TPE = "tpe"                # multi-objective TPE (MOTPE), constraints-aware
    NSGA2 = "nsga2"            # NSGA-II, constraints-aware
    RANDOM = "random"


# parameters every space takes (the trainer's), beside the family's own
COMMON: tuple[FamilyParam, ...] = (
    FamilyParam("learning_rate", ValueKind.FLOAT, 3e-3, "Adam's learning rate", low=0.0, high=1.0, low_open=True),
    FamilyParam("temperature", ValueKind.FLOAT, 4.0, "distillation temperature T (with --teacher)", low=0.0,
                high=100.0, low_open=True),
    FamilyParam("alpha", ValueKind.FLOAT, 0.5, "distillation weight of the labels' cross-entropy (with --teacher; "
                "1 - alpha goes to the teacher)", low=0.0, high=1.0),
)


@dataclass(frozen=True)
class Param:
    """One searched (or fixed) parameter of the space."""

    name: str
    kind: ParamKind
    value: Scalar | None = None               # FIXED
    low: float | None = None                  # INT / FLOAT
    high: float | None = None
    log: bool = False
    step: float | None = None
    choices: tuple[Scalar, ...] = ()          # CATEGORICAL

    def values_to_check(self) -> tuple[Scalar, ...]:
        """The values whose domain is checked: the fixed value, both bounds, every choice."""
        if self.kind == ParamKind.FIXED:
            return (self.value,)  # type: ignore[return-value]
        if self.kind == ParamKind.CATEGORICAL:
            return self.choices
        return (self.low, self.high)  # type: ignore[return-value]

    def suggest(self, trial: Any) -> Scalar:
        """The value for an Optuna trial (ask-and-tell: `trial.suggest_*`)."""
        if self.kind == ParamKind.FIXED:
            assert self.value is not None
            return self.value
        if self.kind == ParamKind.CATEGORICAL:
            return trial.suggest_categorical(self.name, list(self.choices))
        if self.kind == ParamKind.INT:
            return trial.suggest_int(self.name, int(self.low), int(self.high), step=int(self.step or 1),  # type: ignore[arg-type]
                                     log=self.log)
        return trial.suggest_float(self.name, float(self.low), float(self.high), step=self.step, log=self.log)  # type: ignore[arg-type]

    def describe(self) -> str:
        if self.kind == ParamKind.FIXED:
            return f"{self.value}"
        if self.kind == ParamKind.CATEGORICAL:
            return "{" + ", ".join(str(c) for c in self.choices) + "}"
        return f"{self.low:g}..{self.high:g}" + (" (log)" if self.log else "") + (f" step {self.step:g}" if self.step else "")


@dataclass(frozen=True)
class Training:
    epochs: int = 20
    patience: int = 3
    batch_size: int = 64
    holdout: float = 0.1
    seed: int = 0


@dataclass(frozen=True)
class Search:
    sampler: SamplerKind = SamplerKind.TPE
    seed: int = 0
    startup_trials: int | None = None         # random trials before the model-based sampler (default: half)


@dataclass(frozen=True)
class Space:
    path: Path
    sha256: str                               # of the file's bytes: a resumed study checks it
    family: str = ""                          # a registered family, or ""
    builder: str = ""                         # "module:function", or ""
    params: tuple[Param, ...] = ()
    train: Training = field(default_factory=Training)
    search: Search = field(default_factory=Search)

    def param(self, name: str) -> Param | None:
        return next((p for p in self.params if p.name == name), None)

    @property
    def searched(self) -> tuple[Param, ...]:
        return tuple(p for p in self.params if p.kind != ParamKind.FIXED)

    @property
    def distills(self) -> bool:
        """The space sets a distillation parameter."""
        return any(self.param(n) is not None for n in DISTILL_PARAMS)

    @property
    def title(self) -> str:
        return self.family or self.builder


TOP_KEYS = ("family", "builder", "params", "train", "search")
PARAM_KEYS = ("low", "high", "log", "step", "choices")


def _where(path: Path) -> str:
    return path.name


def _err(path: Path, what: str, hint: str) -> McuforgeError:
    return McuforgeError(f"space file {_where(path)}: {what}", hint=hint)


def _unknown(path: Path, table: str, keys: Mapping[str, Any], accepted: tuple[str, ...]) -> None:
    bad = [k for k in keys if k not in accepted]
    if bad:
        where = f"[{table}] " if table else ""
        raise _err(path, f"unknown key{'s' if len(bad) > 1 else ''} {where}{', '.join(bad)}",
                   "accepted: " + ", ".join(accepted))


def _scalar(v: Any) -> bool:
    return isinstance(v, (int, float, str, bool))


def _number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def parse_param(path: Path, name: str, spec: Any) -> Param:
    """A fixed scalar, {low, high[, log][, step]} or {choices = [...]}."""
    if _scalar(spec):
        return Param(name, ParamKind.FIXED, value=spec)
    if not isinstance(spec, dict):
        raise _err(path, f"params.{name} = {spec!r}", "a value, { low = A, high = B } or { choices = [...] }")
    _unknown(path, f"params.{name}", spec, PARAM_KEYS)
    if "choices" in spec:
        extra = [k for k in spec if k != "choices"]
        if extra:
            raise _err(path, f"params.{name}: choices go alone (not with {', '.join(extra)})",
                       f"{name} = {{ choices = [...] }} or {name} = {{ low = A, high = B }}")
        ch = spec["choices"]
        if not isinstance(ch, list) or not ch or not all(_scalar(c) for c in ch):
            raise _err(path, f"params.{name}.choices = {ch!r}", "a non-empty list of numbers or strings")
        if len(set(map(repr, ch))) != len(ch):
            raise _err(path, f"params.{name}.choices lists a value twice: {ch!r}", "list each choice once")
        return Param(name, ParamKind.CATEGORICAL, choices=tuple(ch))
    if "low" not in spec or "high" not in spec:
        raise _err(path, f"params.{name} needs both low and high", f"{name} = {{ low = A, high = B }}")
    low, high, log, step = spec["low"], spec["high"], spec.get("log", False), spec.get("step")
    if not (_number(low) and _number(high)):
        raise _err(path, f"params.{name}: low and high must be numbers (got {low!r}, {high!r})",
                   "whole numbers for an int range (low = 1), a decimal point for a float range (low = 1.0)")
    if not low < high:
        raise _err(path, f"params.{name}: low ({low}) must be below high ({high})",
                   f"swap them, or fix the value: {name} = {low}")
    if not isinstance(log, bool):
        raise _err(path, f"params.{name}.log = {log!r}", "log = true or log = false")
    if log and low <= 0:
        raise _err(path, f"params.{name}: a log-scale range needs low > 0 (got {low})", "raise low above 0")
    if step is not None and (not _number(step) or step <= 0):
        raise _err(path, f"params.{name}.step = {step!r}", "a number > 0")
    if log and step is not None:
        raise _err(path, f"params.{name}: step and log do not go together", "drop one of them")
    is_int = isinstance(low, int) and isinstance(high, int) and (step is None or isinstance(step, int))
    return Param(name, ParamKind.INT if is_int else ParamKind.FLOAT, low=low, high=high, log=log, step=step)


def _accepted(fam: Family | None) -> tuple[FamilyParam, ...]:
    return (fam.params if fam is not None else ()) + COMMON


def check_domain(path: Path, p: Param, fp: FamilyParam) -> None:
    """The space's values against the family's domain for that parameter."""
    if fp.kind == ValueKind.CHOICE and p.kind in (ParamKind.INT, ParamKind.FLOAT):
        raise _err(path, f"params.{p.name} takes {fp.domain}, not a range",
                   f"{p.name} = {{ choices = [{', '.join(str(c) for c in fp.choices)}] }} (or some of them)")
    if fp.kind == ValueKind.INT and p.kind == ParamKind.FLOAT:
        raise _err(path, f"params.{p.name} is a whole number: its range {p.describe()} is a float range",
                   f"write whole-number bounds: {p.name} = {{ low = {int(p.low or 0)}, high = {int(p.high or 0)} }}")
    bad = [v for v in p.values_to_check() if not fp.accepts(v)]
    if bad:
        raise _err(path, f"params.{p.name} = {p.describe()}: {', '.join(map(str, bad))} out of its domain",
                   f"{p.name} ({fp.help}) takes {fp.domain}")


def load_space(path: Path | str) -> Space:
    """Read and check a space file (the family's parameters, their domains, the tables' keys)."""
    p = Path(path)
    if not p.is_file():
        raise McuforgeError(f"space file not found: {p}", hint="give a .toml space file (see `python -m codegen tune --help`)")
    raw = p.read_bytes()
    try:
        d = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise _err(p, f"not valid TOML ({exc})", "fix the syntax (TOML: key = value, [table])") from None
    _unknown(p, "", d, TOP_KEYS)
    fam_name, builder = d.get("family", ""), d.get("builder", "")
    if not isinstance(fam_name, str) or not isinstance(builder, str):
        raise _err(p, "family and builder are strings", 'family = "dscnn" or builder = "module:function"')
    if bool(fam_name) == bool(builder):
        raise _err(p, "give exactly one of family and builder" + (" (it has both)" if fam_name else ""),
                   'family = "dscnn" (a family shipped with mcuforge) or builder = "module:function" (yours)')
    fam = family(fam_name) if fam_name else None
    params_raw = d.get("params", {})
    if not isinstance(params_raw, dict):
        raise _err(p, "[params] is a table", "[params] then one name = value per line")
    accepted = _accepted(fam)
    params = []
    for name, spec in params_raw.items():
        param = parse_param(p, name, spec)
        fp = next((a for a in accepted if a.name == name), None)
        if fp is None and fam is not None:
            raise _err(p, f"family {fam.name!r} has no parameter {name!r}",
                       "accepted: " + ", ".join(f"{a.name} ({a.help})" for a in accepted))
        if fp is not None:
            check_domain(p, param, fp)
        params.append(param)
    train = _table(p, d, "train", Training)
    search = _table(p, d, "search", Search)
    _check_train(p, train)
    return Space(path=p.resolve(), sha256=hashlib.sha256(raw).hexdigest(), family=fam_name, builder=builder,
                 params=tuple(params), train=train, search=search)


def _table(path: Path, d: dict, name: str, cls: type) -> Any:
    raw = d.get(name, {})
    if not isinstance(raw, dict):
        raise _err(path, f"[{name}] is a table", f"[{name}] then key = value lines")
    fields_ = tuple(cls.__dataclass_fields__)
    _unknown(path, name, raw, fields_)
    defaults = cls()
    values = {}
    for k, v in raw.items():
        want = getattr(defaults, k)
        if isinstance(want, enum.Enum):
            try:
                v = type(want)(v)
            except ValueError:
                raise _err(path, f"{name}.{k} = {v!r}", "one of " + ", ".join(e.value for e in type(want))) from None
        elif k == "startup_trials" or isinstance(want, int) and not isinstance(want, bool):
            if not isinstance(v, int) or isinstance(v, bool) or v < 0:
                raise _err(path, f"{name}.{k} = {v!r}", "a whole number >= 0")
        elif isinstance(want, float) and not _number(v):
            raise _err(path, f"{name}.{k} = {v!r}", "a number")
        values[k] = v
    return cls(**values)


def _check_train(path: Path, t: Training) -> None:
    if t.epochs < 1:
        raise _err(path, f"train.epochs = {t.epochs}", "at least 1")
    if t.batch_size < 1:
        raise _err(path, f"train.batch_size = {t.batch_size}", "at least 1")
    if not 0.0 <= t.holdout < 0.9:
        raise _err(path, f"train.holdout = {t.holdout}", "a fraction from 0 (no early stopping) to 0.9")


def check_teacher(space: Space, teacher: bool) -> None:
    """Distillation parameters without a teacher are an error (they would be silently unused)."""
    if space.distills and not teacher:
        names = [n for n in DISTILL_PARAMS if space.param(n) is not None]
        raise _err(space.path, f"{' and '.join(names)} set, but no --teacher: nothing to distil from",
                   "give --teacher T.keras, or remove " + ", ".join(names) + " from [params]")


def resolved(space: Space, values: Mapping[str, Scalar]) -> dict[str, Scalar]:
    """A trial's values with the defaults of the parameters the space does not set (the common ones and,
    for a shipped family, the family's)."""
    out = {p.name: p.default for p in COMMON}
    if space.family:
        out.update({p.name: p.default for p in family(space.family).params})
    out.update({p.name: p.value for p in space.params if p.kind == ParamKind.FIXED})  # type: ignore[misc]
    out.update(values)
    return out
