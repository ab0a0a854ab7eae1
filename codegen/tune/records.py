"""The records a study produces, and what they say together.

* :class:`Objective`, :class:`Limit`, :func:`parse_budget`, :func:`limits_for`: the four objectives
  (accuracy on device up; latency, peak RAM, flash down) and the budgets: the board's flash and RAM by
  default, tightened by ``--budget latency_ms=..,ram_kb=..,flash_kb=..``.
* :class:`TrialRecord`: one trial, measured on the board or rejected before its build (and why); it is
  stored in the study's database (an Optuna user attribute), so every machine working on a study sees
  the same records, and ``tune.json`` is made from the database.
* :func:`pareto_front`: the measured trials within every budget that no other such trial beats on
  all four objectives; :func:`out_of_reach`: when none is within budget, which limit the trials missed
  and by how much.
* :class:`TuneResult`: ``tune.json``.
"""

from __future__ import annotations

import enum
import json
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any, Sequence

from codegen.errors import McuforgeError
from codegen.files import write_text_atomic
from codegen.term import kb

Scalar = int | float | str | bool
FILE = "tune.json"


class Objective(enum.StrEnum):
    ACCURACY = "accuracy"          # top-1 on device over the validation set, 0..1
    LATENCY = "latency_ms"         # p50 per inference
    RAM = "ram_kb"                 # peak RAM (the model's: arena + scratch + reserved stack + state)
    FLASH = "flash_kb"

    @property
    def maximize(self) -> bool:
        return self == Objective.ACCURACY

    @property
    def label(self) -> str:
        return {"accuracy": "accuracy on device", "latency_ms": "latency", "ram_kb": "peak RAM",
                "flash_kb": "flash"}[self.value]

    def show(self, v: float | None) -> str:
        if v is None:
            return "-"
        if self == Objective.ACCURACY:
            return f"{100 * v:.1f}%"
        if self == Objective.LATENCY:
            return f"{v:.3g} ms"
        return kb(round(v * 1024))


OBJECTIVES = tuple(Objective)
BUDGETED = (Objective.LATENCY, Objective.RAM, Objective.FLASH)


@dataclass(frozen=True)
class Limit:
    """One budget line: the objective stays at or below `value` (ms or KB)."""

    objective: Objective
    value: float
    source: str                    # "--budget" or "board stm32l475"

    def as_json(self) -> dict:
        return {"objective": self.objective.value, "value": self.value, "source": self.source}

    @staticmethod
    def from_json(d: dict) -> "Limit":
        return Limit(Objective(d["objective"]), float(d["value"]), str(d["source"]))


def parse_budget(text: str) -> tuple[Limit, ...]:
    """``latency_ms=2,ram_kb=64,flash_kb=256`` (any of them)."""
    out: dict[Objective, Limit] = {}
    for part in (p.strip() for p in text.split(",") if p.strip()):
        key, sep, value = part.partition("=")
        try:
            obj = Objective(key.strip())
        except ValueError:
            obj = None
        if obj is None or obj == Objective.ACCURACY or not sep:
            raise McuforgeError(f"--budget {text}: {part!r} is not a budget",
                                hint="give latency_ms=MS, ram_kb=KB and/or flash_kb=KB, comma-separated: "
                                     "--budget latency_ms=2,ram_kb=64")
        try:
            v = float(value)
        except ValueError:
            v = -1.0
        if not v > 0:
            raise McuforgeError(f"--budget {text}: {key}={value} is not a number > 0", hint=f"{key}=2.5 (for example)")
        if obj in out:
            raise McuforgeError(f"--budget {text}: {key} given twice", hint="give each budget once")
        out[obj] = Limit(obj, v, "--budget")
    if not out:
        raise McuforgeError("--budget is empty", hint="--budget latency_ms=2,ram_kb=64,flash_kb=256 (any of them)")
    return tuple(out[o] for o in BUDGETED if o in out)


def limits_for(board_name: str, flash_bytes: int | None, ram_bytes: int | None,
               given: Sequence[Limit] = ()) -> tuple[Limit, ...]:
    """The board's flash and RAM, each replaced by a tighter --budget; --budget's latency."""
    have = {lim.objective: lim for lim in given}
    board = {Objective.FLASH: flash_bytes, Objective.RAM: ram_bytes}
    out = []
    for obj in BUDGETED:
        mine = board.get(obj)
        cand = [lim for lim in (have.get(obj), Limit(obj, mine / 1024, f"board {board_name}") if mine else None)
                if lim is not None]
        if cand:
            out.append(min(cand, key=lambda lim: lim.value))
    return tuple(out)


class TrialState(enum.StrEnum):
    MEASURED = "measured"          # built, run and validated on the board
    REJECTED = "rejected"          # did not fit the board or the budget: not built
    FAILED = "failed"              # an error while training, quantising, building or running
    RUNNING = "running"


@dataclass(frozen=True)
class TrialRecord:
    number: int
    state: TrialState
    params: tuple[tuple[str, Scalar], ...] = ()
    distilled: bool = False
    float_accuracy: float | None = None       # the float Keras model on the validation set
    accuracy: float | None = None             # on device, validation set
    reference_accuracy: float | None = None   # TFLM's interpreter, same samples
    bit_exact: bool | None = None             # the device agrees with TFLM on every sample
    latency: float | None = None              # p50 per inference, in `unit`
    unit: str = ""                            # instructions (QEMU), cycles, ns
    latency_ms: float | None = None
    flash_bytes: int | None = None
    ram_bytes: int | None = None              # peak RAM (BuildReport.peak_ram: the reserved stack)
    arena_bytes: int | None = None
    weights_bytes: int | None = None
    macs: int | None = None
    parameters: int | None = None             # the Keras model's
    epochs: int = 0                           # trained (early stopping may end before [train] epochs)
    seconds: float = 0.0
    reason: str = ""                          # why rejected or failed
    violations: tuple[str, ...] = ()          # the budgets a measured trial exceeds
    samples: int = 0                          # validation samples run on the board
    host: str = ""                            # the machine that ran it (its files are there)
    stages: tuple[tuple[str, float], ...] = ()  # seconds per stage: train, quantise, generate, build, run

    @property
    def feasible(self) -> bool:
        return self.state == TrialState.MEASURED and not self.violations

    def value(self, obj: Objective) -> float | None:
        return {Objective.ACCURACY: self.accuracy, Objective.LATENCY: self.latency_ms,
                Objective.RAM: None if self.ram_bytes is None else self.ram_bytes / 1024,
                Objective.FLASH: None if self.flash_bytes is None else self.flash_bytes / 1024}[obj]

    def values(self) -> tuple[float, ...]:
        """The objectives' values in OBJECTIVES order (a measured trial has all four)."""
        vs = tuple(self.value(o) for o in OBJECTIVES)
        if any(v is None for v in vs):
            raise ValueError(f"trial {self.number} is not measured")
        return vs  # type: ignore[return-value]

    def param(self, name: str) -> Scalar | None:
        return dict(self.params).get(name)

    def with_violations(self, limits: Sequence[Limit]) -> "TrialRecord":
        out = []
        for lim in limits:
            v = self.value(lim.objective)
            if v is not None and v > lim.value:
                out.append(f"{lim.objective.value} {v:.4g} > {lim.value:g} ({lim.source})")
        return replace(self, violations=tuple(out))

    def as_json(self) -> dict[str, Any]:
        d = {f.name: getattr(self, f.name) for f in fields(self)}
        d["state"] = self.state.value
        d["params"] = dict(self.params)
        d["violations"] = list(self.violations)
        d["stages"] = {k: round(v, 2) for k, v in self.stages}
        d["feasible"] = self.feasible
        return d

    @staticmethod
    def from_json(d: dict[str, Any]) -> "TrialRecord":
        known = {f.name for f in fields(TrialRecord)}
        kw = {k: v for k, v in d.items() if k in known}
        kw["state"] = TrialState(d["state"])
        kw["params"] = tuple((str(k), v) for k, v in (d.get("params") or {}).items())
        kw["violations"] = tuple(d.get("violations") or ())
        kw["stages"] = tuple((str(k), float(v)) for k, v in (d.get("stages") or {}).items())
        return TrialRecord(**kw)


def dominates(a: Sequence[float], b: Sequence[float]) -> bool:
    """`a` is at least as good as `b` on every objective and better on one (OBJECTIVES order)."""
    better = False
    for obj, x, y in zip(OBJECTIVES, a, b):
        if obj.maximize:
            x, y = -x, -y
        if x > y:
            return False
        better = better or x < y
    return better


def pareto_front(trials: Sequence[TrialRecord]) -> tuple[TrialRecord, ...]:
    """The feasible measured trials no other feasible trial dominates, by trial number."""
    ok = [t for t in trials if t.feasible]
    return tuple(sorted((t for t in ok if not any(dominates(o.values(), t.values()) for o in ok if o is not t)),
                        key=lambda t: t.number))


def out_of_reach(trials: Sequence[TrialRecord], limits: Sequence[Limit]) -> tuple[str, ...]:
    """When no trial is within budget: each limit the trials missed, by how much (best trial against
    it); or, when each limit alone was met by some trial, the trial that came closest to all."""
    measured = [t for t in trials if t.state == TrialState.MEASURED]
    if any(t.feasible for t in measured) or not limits:
        return ()
    rejected = [t for t in trials if t.state == TrialState.REJECTED]
    lines = []
    for lim in limits:
        vals = [(t.value(lim.objective), t) for t in measured if t.value(lim.objective) is not None]
        if not vals:
            continue
        best, t = min(vals, key=lambda vt: vt[0])  # type: ignore[arg-type,return-value]
        if best > lim.value:
            over = best - lim.value
            unit = "ms" if lim.objective == Objective.LATENCY else "KB"
            lines.append(f"{lim.objective.value}={lim.value:g} ({lim.source}) is out of reach: the best of "
                         f"{len(measured)} measured trial{'s' if len(measured) > 1 else ''} reached "
                         f"{best:.4g} {unit} (trial {t.number}), {over:.4g} {unit} ({best / lim.value:.2f}x) over")
    if not lines and measured:
        def excess(t: TrialRecord) -> float:
            return sum(max(0.0, (t.value(lim.objective) or 0.0) / lim.value - 1.0) for lim in limits)
        t = min(measured, key=excess)
        lines.append(f"each budget alone is met by some trial, but no trial meets all of them: the closest, trial "
                     f"{t.number}, exceeds " + "; ".join(t.violations))
    if not measured and rejected:
        lines.append(f"all {len(rejected)} trials were rejected before their build: " + "; ".join(
            dict.fromkeys(t.reason.splitlines()[0] for t in rejected if t.reason)))
    return tuple(lines)


@dataclass(frozen=True)
class DistillationCheck:
    """The distilled student against the same architecture trained on the labels alone (same seed,
    same epochs), both measured on the board."""

    distilled: TrialRecord
    plain: TrialRecord

    @property
    def gain(self) -> float | None:
        a, b = self.distilled.accuracy, self.plain.accuracy
        return None if a is None or b is None else a - b

    def as_json(self) -> dict:
        return {"distilled": self.distilled.as_json(), "plain": self.plain.as_json(), "gain": self.gain}

    @staticmethod
    def from_json(d: dict) -> "DistillationCheck":
        return DistillationCheck(TrialRecord.from_json(d["distilled"]), TrialRecord.from_json(d["plain"]))


@dataclass(frozen=True)
class TuneResult:
    """``tune.json``."""

    study: str                     # the study's name in its storage
    storage: str                   # the database URL (a password masked)
    directory: Path
    space: Path
    family: str                    # the family or the builder
    searched: tuple[tuple[str, str], ...]      # parameter, its range as written
    board: str
    train: Path
    val: Path
    train_samples: int
    val_samples: int
    classes: int
    teacher: Path | None
    teacher_accuracy: float | None
    limits: tuple[Limit, ...]
    trials: tuple[TrialRecord, ...]
    requested: int                 # --trials
    distillation: DistillationCheck | None = None
    seconds: float = 0.0           # this invocation's wall time
    objectives: tuple[Objective, ...] = OBJECTIVES
    unreachable: tuple[str, ...] = field(default=())

    @property
    def front(self) -> tuple[TrialRecord, ...]:
        return pareto_front(self.trials)

    @property
    def finished(self) -> tuple[TrialRecord, ...]:
        return tuple(t for t in self.trials if t.state != TrialState.RUNNING)

    def trial(self, number: int) -> TrialRecord:
        for t in self.trials:
            if t.number == number:
                return t
        raise McuforgeError(f"the study has no trial {number}",
                            hint="trials: " + ", ".join(str(t.number) for t in self.trials))

    def as_json(self) -> dict[str, Any]:
        return {
            "study": self.study, "storage": self.storage, "directory": str(self.directory),
            "space": str(self.space), "family": self.family, "searched": dict(self.searched), "board": self.board,
            "data": {"train": str(self.train), "val": str(self.val), "train_samples": self.train_samples,
                     "val_samples": self.val_samples, "classes": self.classes},
            "teacher": None if self.teacher is None else {"path": str(self.teacher), "accuracy": self.teacher_accuracy},
            "objectives": [{"name": o.value, "direction": "maximize" if o.maximize else "minimize"}
                           for o in self.objectives],
            "budget": [lim.as_json() for lim in self.limits], "requested": self.requested,
            "trials": [t.as_json() for t in self.trials], "pareto_front": [t.number for t in self.front],
            "distillation": None if self.distillation is None else self.distillation.as_json(),
            "unreachable": list(self.unreachable), "seconds": round(self.seconds, 1)}

    @staticmethod
    def from_json(d: dict[str, Any]) -> "TuneResult":
        t = d.get("teacher")
        return TuneResult(
            study=d["study"], storage=d["storage"], directory=Path(d["directory"]), space=Path(d["space"]),
            family=d["family"], searched=tuple((k, str(v)) for k, v in d["searched"].items()), board=d["board"],
            train=Path(d["data"]["train"]), val=Path(d["data"]["val"]), train_samples=int(d["data"]["train_samples"]),
            val_samples=int(d["data"]["val_samples"]), classes=int(d["data"]["classes"]),
            teacher=None if t is None else Path(t["path"]), teacher_accuracy=None if t is None else t["accuracy"],
            limits=tuple(Limit.from_json(x) for x in d["budget"]), requested=int(d["requested"]),
            trials=tuple(TrialRecord.from_json(x) for x in d["trials"]),
            distillation=None if d.get("distillation") is None else DistillationCheck.from_json(d["distillation"]),
            unreachable=tuple(d.get("unreachable") or ()), seconds=float(d.get("seconds", 0.0)))


def write_result(result: TuneResult, path: Path) -> Path:
    return write_text_atomic(path, json.dumps(result.as_json(), indent=2) + "\n")


def read_result(path: Path) -> TuneResult:
    p = Path(path)
    if not p.is_file():
        raise McuforgeError(f"{p}: no {FILE} here", hint="run `python -m codegen tune ... --study DIR` first")
    try:
        return TuneResult.from_json(json.loads(p.read_text()))
    except (ValueError, KeyError, TypeError) as exc:
        raise McuforgeError(f"{p}: not a {FILE} of this mcuforge ({type(exc).__name__}: {exc})",
                            hint="run tune again with the same --study to rewrite it") from None
