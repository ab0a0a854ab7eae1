"""The study: Optuna's multi-objective search over the space, stored in a real database.

* Storage: an SQLite file in the study directory by default (``sqlite:///DIR/study.db``), or any
  database URL Optuna's RDB storage accepts (``postgresql://...``), so several machines can work on
  one study. The study remembers what it was started with (space file, data, board, teacher): a
  resumed study given anything else is an error rather than a mix of two searches.
* Objectives (:data:`codegen.tune.records.OBJECTIVES`): accuracy on device (maximised), latency, peak
  RAM and flash (minimised). Budgets are constraints (``value - limit <= 0``) the sampler sees, and a
  model that cannot fit is rejected before its build (the trial is PRUNED in Optuna's terms).
* Samplers: multi-objective TPE (default), NSGA-II, random; seeded, with the number of trials already
  in the study added to the seed, so a resumed or second worker does not repeat the first's points.
* Resume: every finished trial is in the database the moment it ends. A trial that was running when
  its process died is failed and its parameters queued again: at once when it ran on this machine and
  its process is gone, else by Optuna's heartbeat (a trial without a heartbeat for
  :data:`GRACE_S` seconds) with :class:`optuna.storages.RetryHeartbeatStaleTrialCallback`. ``--trials N`` is
  the number of finished trials the study ends with (measured, rejected or failed; a trial stopped
  by an interruption does not count: it runs again).
* With a teacher, the best distilled student (the most accurate trial on the Pareto front) is trained
  again on the labels alone, with the same values and seed, and measured on the board: the report
  shows both (:class:`codegen.tune.records.DistillationCheck`).
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from codegen.boards import Board
from codegen.errors import McuforgeError
from codegen.options import TargetOptions
from codegen.tune.data import TuneData
from codegen.tune.distill import Teacher
from codegen.tune.progress import Progress
from codegen.tune.records import (OBJECTIVES, DistillationCheck, Limit, TrialRecord, TrialState, TuneResult,
                                  out_of_reach, pareto_front)
from codegen.tune.space import DISTILL_PARAMS, SamplerKind, Space, resolved
from codegen.tune.trial import BuildSlot, TrialContext, run_trial

RECORD = "mcuforge.record"          # a trial's TrialRecord (JSON), an Optuna user attribute
OWNER = "mcuforge.owner"            # "host pid" of the process running the trial
INTERRUPTED = "mcuforge.interrupted"
RETRY_OF = "mcuforge.retry_of"      # an interrupted trial's number, on the trial that runs it again
PLAIN = "mcuforge.plain"            # study attribute: the DistillationCheck's plain run, by trial
IDENTITY = "mcuforge.identity"      # study attribute: what the study was started with
HEARTBEAT_S = 20
GRACE_S = 90


@dataclass(frozen=True)
class StudyConfig:
    space: Space
    data: TuneData
    board: Board
    teacher: Teacher | None
    limits: tuple[Limit, ...]
    trials: int                     # finished trials the study ends with
    directory: Path
    storage: str                    # database URL
    name: str
    target: TargetOptions = TargetOptions()


def default_storage(directory: Path) -> str:
    return f"sqlite:///{Path(directory).resolve() / 'study.db'}"


def masked(url: str) -> str:
    """The URL without its password (for files and messages)."""
    head, sep, rest = url.partition("://")
    cred, at, host = rest.rpartition("@")
    if not at or ":" not in cred:
        return url
    return f"{head}{sep}{cred.split(':', 1)[0]}:***@{host}"


def _optuna() -> Any:
    try:
        import optuna
    except ImportError:
        raise McuforgeError("tune needs Optuna (and TensorFlow to train)",
                            hint="pip install -e '.[tf]' (./setup.sh installs it)") from None
    import warnings
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    # the heartbeat's retry callback and multivariate TPE are marked experimental; both are what we want
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    return optuna


def identity(cfg: StudyConfig) -> dict[str, str]:
    return {"space": cfg.space.sha256, "data": cfg.data.sha256, "board": cfg.board.name,
            "teacher": "" if cfg.teacher is None else _sha(cfg.teacher.path)}


def _sha(path: Path) -> str:
    from codegen.origin import sha256_of
    return sha256_of(path)


def _check_identity(study: Any, cfg: StudyConfig) -> None:
    have = study.user_attrs.get(IDENTITY)
    want = identity(cfg)
    if have is None:
        study.set_user_attr(IDENTITY, want)
        return
    what = {"space": f"the space file ({cfg.space.path.name})", "data": "the training or validation data",
            "board": f"the board (it ran on {have.get('board')})", "teacher": "the teacher"}
    changed = [what[k] for k in want if have.get(k) != want[k]]
    if changed:
        raise McuforgeError(f"study {cfg.name!r} in {masked(cfg.storage)} was run with other inputs: "
                            + ", ".join(changed) + " changed",
                            hint="start a new study (another --study DIR, or --study-name NAME), or give the same "
                                 "inputs to resume this one")


def _record(t: Any) -> TrialRecord | None:
    d = t.user_attrs.get(RECORD)
    return TrialRecord.from_json(d) if d else None


def _alive(owner: str) -> bool:
    """Whether the process "host pid" still runs (unknowable for another host: assumed alive)."""
    host, _, pid = owner.partition(" ")
    if host != socket.gethostname() or not pid.isdigit():
        return True
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover(study: Any, storage: Any, progress: Progress | None = None) -> list[int]:
    """Fail the trials whose process on this machine is gone, and queue their parameters again."""
    optuna = _optuna()
    retried = []
    sid = storage.get_study_id_from_name(study.study_name)
    for t in study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
        owner = t.user_attrs.get(OWNER, "")
        if not owner or _alive(owner):
            continue
        tid = storage.get_trial_id_from_study_id_trial_number(sid, t.number)
        storage.set_trial_user_attr(tid, INTERRUPTED, True)
        storage.set_trial_state_values(tid, optuna.trial.TrialState.FAIL)
        study.enqueue_trial(t.params, user_attrs={RETRY_OF: t.number})
        retried.append(t.number)
        if progress is not None:
            progress.note(f"trial {t.number} was interrupted (its process {owner} is gone): running it again")
    return retried


def counted(t: Any) -> bool:
    """A trial that counts toward --trials: finished, and not stopped by an interruption."""
    optuna = _optuna()
    S = optuna.trial.TrialState
    if t.state in (S.COMPLETE, S.PRUNED):
        return True
    return t.state == S.FAIL and not t.user_attrs.get(INTERRUPTED) and t.user_attrs.get(RECORD) is not None


def _sampler(cfg: StudyConfig, n_existing: int) -> Any:
    optuna = _optuna()
    s = cfg.space.search
    seed = s.seed + n_existing
    startup = s.startup_trials if s.startup_trials is not None else max(1, min(10, cfg.trials // 2))
    if s.sampler == SamplerKind.TPE:
        return optuna.samplers.TPESampler(seed=seed, n_startup_trials=startup, multivariate=True)
    if s.sampler == SamplerKind.NSGA2:
        return optuna.samplers.NSGAIISampler(seed=seed, population_size=max(4, min(50, startup)))
    return optuna.samplers.RandomSampler(seed=seed)


def open_study(cfg: StudyConfig) -> tuple[Any, Any]:
    """The study (created, or loaded to resume) and its storage."""
    optuna = _optuna()
    cfg.directory.mkdir(parents=True, exist_ok=True)
    try:
        storage = optuna.storages.RDBStorage(
            cfg.storage, heartbeat_interval=HEARTBEAT_S, grace_period=GRACE_S,
            heartbeat_stale_trial_callback=optuna.storages.RetryHeartbeatStaleTrialCallback(max_retry=3))
    except Exception as exc:  # noqa: BLE001 - SQLAlchemy's errors: a bad URL, a missing driver, no server
        raise McuforgeError(f"cannot open the study database {masked(cfg.storage)}: {type(exc).__name__}: "
                            f"{str(exc).splitlines()[0] if str(exc) else ''}",
                            hint="--storage takes a database URL Optuna accepts (sqlite:///path/study.db, "
                                 "postgresql://user:pass@host/db with its driver installed)") from None
    directions = ["maximize" if o.maximize else "minimize" for o in OBJECTIVES]
    try:
        existing = optuna.load_study(study_name=cfg.name, storage=storage)
        n = len(existing.trials)
        if [d.name.lower() for d in existing.directions] != directions:
            raise McuforgeError(f"study {cfg.name!r} in {masked(cfg.storage)} is not a tune study",
                                hint="give another --study-name")
    except KeyError:
        n = 0
    study = optuna.create_study(storage=storage, study_name=cfg.name, directions=directions,
                                sampler=_sampler(cfg, n), load_if_exists=True)
    _check_identity(study, cfg)
    return study, storage


def records(study: Any) -> list[TrialRecord]:
    """Every trial's record (a running one: its parameters), in trial order."""
    optuna = _optuna()
    S = optuna.trial.TrialState
    out = []
    for t in study.get_trials(deepcopy=False):
        rec = _record(t)
        if rec is None:
            if t.state == S.RUNNING:
                rec = TrialRecord(t.number, TrialState.RUNNING, params=tuple(sorted(t.params.items())))
            elif t.state == S.FAIL:
                why = "interrupted" + (f" (run again as a later trial)" if t.user_attrs.get(INTERRUPTED) else "")
                rec = TrialRecord(t.number, TrialState.FAILED, params=tuple(sorted(t.params.items())), reason=why)
            else:
                continue
        elif t.user_attrs.get(INTERRUPTED):
            rec = replace(rec, state=TrialState.FAILED, reason="interrupted (run again as a later trial)")
        out.append(rec)
    return out


class Objective:
    """Optuna's objective for one trial: sample, run, store the record, return the four values."""

    def __init__(self, cfg: StudyConfig, ctx: TrialContext, slot: Path, progress: Progress) -> None:
        self.cfg, self.ctx, self.slot, self.progress = cfg, ctx, slot, progress
        self.last: TrialRecord | None = None

    def __call__(self, trial: Any) -> tuple[float, ...]:
        optuna = _optuna()
        trial.set_user_attr(OWNER, f"{socket.gethostname()} {os.getpid()}")
        searched = {p.name: p.suggest(trial) for p in self.cfg.space.searched}
        values = resolved(self.cfg.space, searched)
        if self.cfg.teacher is None:
            for n in DISTILL_PARAMS:
                values.pop(n, None)
        self.progress.start(trial.number, sorted(searched.items()))
        try:
            rec = run_trial(self.ctx, self.slot, trial.number, values, distilled=self.cfg.teacher is not None,
                            stage=self.progress.stage)
        except KeyboardInterrupt:
            trial.set_user_attr(INTERRUPTED, True)
            trial.study.enqueue_trial(trial.params, user_attrs={RETRY_OF: trial.number})
            raise
        rec = replace(rec, params=tuple(sorted(searched.items())))
        trial.set_user_attr(RECORD, rec.as_json())
        self.last = rec
        if rec.state == TrialState.MEASURED:
            # the budgets as constraints (<= 0: within), which the constraint-aware samplers read
            for k, lim in enumerate(self.cfg.limits):
                trial.set_constraint(f"{k}:{lim.objective.value}", (rec.value(lim.objective) or 0.0) - lim.value)
        if rec.state == TrialState.REJECTED:
            raise optuna.TrialPruned(rec.reason)
        if rec.state != TrialState.MEASURED:
            raise TrialFailed(rec.reason)
        return rec.values()


class TrialFailed(Exception):
    """A trial that could not be measured (its record says why); Optuna marks it FAIL and goes on."""


def run_study(cfg: StudyConfig, progress: Progress) -> TuneResult:
    """Run (or resume) the study until `cfg.trials` trials have finished; then the distillation check."""
    start = time.monotonic()
    study, storage = open_study(cfg)
    recover(study, storage, progress)
    ctx = TrialContext(space=cfg.space, data=cfg.data, teacher=cfg.teacher, board=cfg.board, limits=cfg.limits,
                       directory=cfg.directory, val_file=write_val(cfg), target=cfg.target)
    done = sum(1 for t in study.get_trials(deepcopy=False) if counted(t))
    progress.done = min(done, cfg.trials)
    progress.trials = records(study)
    if done:
        progress.note(f"study {cfg.name!r}: {done} finished trial{'s' if done > 1 else ''} in {masked(cfg.storage)}"
                      + ("; resuming" if done < cfg.trials else "; nothing left to run"))
    with BuildSlot(cfg.directory / "build") as slot:
        assert slot.dir is not None
        objective = Objective(cfg, ctx, slot.dir, progress)
        while sum(1 for t in study.get_trials(deepcopy=False) if counted(t)) < cfg.trials:
            objective.last = None
            study.optimize(objective, n_trials=1, catch=(TrialFailed,), gc_after_trial=True,
                           show_progress_bar=False)
            if objective.last is not None:
                progress.finish(objective.last, history=records(study))
        check = distillation_check(study, cfg, ctx, slot.dir, progress) if cfg.teacher is not None else None
    progress.close()
    trials = tuple(r.with_violations(cfg.limits) if r.state == TrialState.MEASURED else r for r in records(study))
    return TuneResult(
        study=cfg.name, storage=masked(cfg.storage), directory=cfg.directory, space=cfg.space.path,
        family=cfg.space.title, searched=tuple((p.name, p.describe()) for p in cfg.space.searched),
        board=cfg.board.name, train=cfg.data.train.path, val=cfg.data.val.path, train_samples=len(cfg.data.train),
        val_samples=len(cfg.data.val), classes=cfg.data.classes, teacher=None if cfg.teacher is None else cfg.teacher.path,
        teacher_accuracy=None if cfg.teacher is None else cfg.teacher.accuracy, limits=cfg.limits,
        trials=trials, requested=cfg.trials, distillation=check, seconds=time.monotonic() - start,
        unreachable=out_of_reach(trials, cfg.limits))


def write_val(cfg: StudyConfig) -> Path:
    """The validation set as `validate` reads it (float x, integer y), once per study directory."""
    path = cfg.directory / "val.npz"
    tmp = path.with_name(f".val.{os.getpid()}.npz")
    np.savez(tmp, x=cfg.data.val.x, y=cfg.data.val.y)
    os.replace(tmp, path)
    return path


def distillation_check(study: Any, cfg: StudyConfig, ctx: TrialContext, slot: Path,
                       progress: Progress) -> DistillationCheck | None:
    """The most accurate student on the Pareto front, trained again without the teacher and measured."""
    front = pareto_front(records(study))
    if not front:
        return None
    best = max(front, key=lambda t: (t.accuracy or 0.0, -(t.latency_ms or 0.0)))
    kept = study.user_attrs.get(PLAIN) or {}
    if str(best.number) in kept:
        return DistillationCheck(best, TrialRecord.from_json(kept[str(best.number)]))
    values = resolved(cfg.space, dict(best.params))
    progress.start(best.number, [("teacher", "none")] + list(best.params), what="distillation check: trial")
    plain = run_trial(ctx, slot, best.number, values, distilled=False, stage=progress.stage)
    plain = replace(plain, params=best.params)
    progress.finish(plain, counted=False, history=records(study))
    study.set_user_attr(PLAIN, {**kept, str(best.number): plain.as_json()})
    return DistillationCheck(best, plain)

