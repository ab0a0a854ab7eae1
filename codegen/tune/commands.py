"""The ``tune`` subcommand (registered in :mod:`codegen.cli`): arguments into a
:class:`~codegen.options.TuneJob`, the study (:mod:`codegen.tune.study`), ``tune.json`` and the report
(:mod:`codegen.reports.tune`), ``--export``."""

from __future__ import annotations

import argparse
from pathlib import Path

from codegen.errors import McuforgeError
from codegen.term import kv, say

TUNE_HELP = ("hardware-aware model search: train, quantise, build, run and validate each candidate on the board; "
             "the Pareto front of accuracy, latency, peak RAM and flash")

EPILOG = """\
The space file (TOML) names a family (or your builder) and the parameters to search:

    family = "dscnn"
    [params]
    width = { low = 0.25, high = 1.0 }
    depth = { low = 1, high = 3 }
    kernel = { choices = [3, 5] }
    [train]
    epochs = 20
    patience = 3

`--families` lists the families and their parameters. The study is resumable: run the same command
again (after an interruption, or with a larger --trials) and it goes on where it stopped.
"""


def _trials_arg(text: str) -> int:
    from codegen.options.arguments import count_arg
    return count_arg(10_000)(text)


def _budget_arg(text: str):
    from codegen.tune.records import parse_budget
    try:
        return parse_budget(text)
    except McuforgeError as exc:
        raise argparse.ArgumentTypeError(f"{exc.message} ({exc.hint})") from None


def tune_args(p: argparse.ArgumentParser) -> None:
    p.formatter_class = argparse.RawDescriptionHelpFormatter
    p.epilog = EPILOG
    p.add_argument("--space", type=Path, default=None, help="the space file (TOML)")
    p.add_argument("--data", type=Path, default=None, help="training set: .npz with float inputs x and class labels y")
    p.add_argument("--val", type=Path, default=None,
                   help="validation set (.npz x, y): run on the board in every trial (accuracy on device)")
    p.add_argument("--board", default="stm32l475", help="the board to build for and run on (stm32l475)")
    p.add_argument("--teacher", type=Path, default=None,
                   help="a trained Keras model (.keras) to distil from; temperature and alpha become parameters")
    p.add_argument("--budget", type=_budget_arg, default=(), metavar="latency_ms=..,ram_kb=..,flash_kb=..",
                   help="limits on top of the board's flash and RAM (any of the three)")
    p.add_argument("--trials", type=_trials_arg, default=20, help="finished trials the study ends with (20)")
    p.add_argument("--study", type=Path, default=None,
                   help="study directory: tune.json, tune.md/.html/.png, trials/, study.db (build/tune/<space stem>)")
    p.add_argument("--storage", default=None, metavar="URL",
                   help="the study's database: any URL Optuna's RDB storage takes (default sqlite:///STUDY/study.db)")
    p.add_argument("--study-name", default=None, help="the study's name in the database (default: the space file's stem)")
    p.add_argument("--export", default=None, metavar="BEST",
                   help="write a trial's float and int8 models (a trial number, or best): after the study, or "
                        "from an existing --study alone")
    p.add_argument("-o", "--out", type=Path, default=None, help="where --export writes (STUDY/export)")
    p.add_argument("--run", action="append", default=[], metavar="KEY=VALUE",
                   help="run options as for scons: target=, port=, baud=, flash=, upload=, timeout=, hwmap=")
    p.add_argument("--families", action="store_true", help="list the model families and their parameters")


def families_text() -> list[str]:
    from codegen.tune.families import families
    from codegen.tune.space import COMMON
    lines = []
    for name, fam in sorted(families().items()):
        lines.append(f"{name}: {fam.summary}")
        for fp in fam.params:
            lines.append(f"  {fp.name:<14} {fp.help}; {fp.domain} (default {fp.default})")
    lines.append("every family (and builder = \"module:function\"):")
    for fp in COMMON:
        lines.append(f"  {fp.name:<14} {fp.help}; {fp.domain} (default {fp.default})")
    return lines


def job_of(a: argparse.Namespace):
    from codegen.options import TuneJob
    from codegen.options.command_line import run_target_options
    study = a.study
    if study is None:
        if a.space is None:
            raise McuforgeError("--export needs the study: --study DIR (or the --space of the study)",
                                hint="python -m codegen tune --study build/tune/NAME --export best")
        from codegen.pio.project import BUILD_ROOT
        study = BUILD_ROOT / "tune" / a.space.stem
    return TuneJob(study=study.resolve(), space=a.space, data=a.data, val=a.val, board=a.board, teacher=a.teacher,
                   budget=tuple(a.budget), trials=a.trials, storage=a.storage, study_name=a.study_name,
                   export=a.export, out=a.out, target=run_target_options(a.run))


def tune_run(a: argparse.Namespace) -> int:
    if a.families:
        for line in families_text():
            say(line)
        return 0
    job = job_of(a)
    code = 0
    from codegen.tune.records import FILE, read_result
    if job.space is not None:
        code = run_job(job)
    if job.export is not None:
        from codegen.tune.export import export_trial
        result = read_result(job.study / FILE)
        e = export_trial(result, job.export, job.out or job.study / "export")
        kv("exported", f"trial {e.trial}: {e.int8} (int8), {e.float32.name} (float32), {e.keras.name}, "
                       f"{e.samples.name}")
        kv("", f"scons board={result.board} model={e.int8} run")
    return code


def run_job(job) -> int:
    """Run or resume the study; write tune.json and the report; an out-of-reach budget exits 1."""
    from codegen.boards import load_board
    from codegen.tune.data import load_data
    from codegen.tune.distill import load_teacher
    from codegen.tune.progress import Progress
    from codegen.tune.records import FILE, limits_for, write_result
    from codegen.tune.space import check_teacher, load_space
    from codegen.tune.study import StudyConfig, default_storage, run_study
    from codegen.reports.tune import write_tune_report
    assert job.space is not None and job.data is not None and job.val is not None
    space = load_space(job.space)
    check_teacher(space, job.teacher is not None)
    board = load_board(job.board)
    data = load_data(job.data, job.val)
    limits = limits_for(board.name, board.flash.size if board.flash else None, board.ram_total or None, job.budget)
    if job.teacher is not None and not job.teacher.is_file():
        raise McuforgeError(f"--teacher {job.teacher}: no such file", hint="give the teacher's .keras file")
    say(f"tune: {space.title} on {board.name}, {job.trials} trials; {len(data.train)} training and {len(data.val)} "
        f"validation samples, {data.classes} classes")
    from codegen.prep.source import tensorflow
    tensorflow()
    teacher = None
    if job.teacher is not None:
        teacher = load_teacher(job.teacher, data.train.x, data.val.x, data.val.y, data.classes)
        kv("teacher", f"{job.teacher.name}: float accuracy {100 * teacher.accuracy:.1f}% on the validation set")
    cfg = StudyConfig(space=space, data=data, board=board, teacher=teacher, limits=limits, trials=job.trials,
                      directory=job.study, storage=job.storage or default_storage(job.study),
                      name=job.study_name or space.path.stem, target=job.target)
    result = run_study(cfg, Progress(job.trials))
    path = write_result(result, job.study / FILE)
    files = write_tune_report(result, job.study)
    show(result)
    kv("wrote", f"{path} and {files.markdown.name}, {files.html.name}" + (f", {files.plot.name}" if files.plot else ""))
    if result.unreachable:
        raise McuforgeError("no trial meets the budget:\n  " + "\n  ".join(result.unreachable),
                            hint="relax --budget, widen the space toward smaller models, or run more trials "
                                 f"(the trials are in {path})")
    return 0


def show(result) -> None:
    from codegen.reports.tune import FRONT_HEAD, front_rows
    from codegen.prep.commands import table
    say()
    say(f"Pareto front ({len(result.front)} of {len(result.finished)} trials, measured on {result.board}):")
    for line in table(FRONT_HEAD, front_rows(result)):
        say("  " + line)
    d = result.distillation
    if d is not None and d.gain is not None:
        kv("distillation", f"trial {d.distilled.number}: {100 * (d.distilled.accuracy or 0):.1f}% distilled vs "
                           f"{100 * (d.plain.accuracy or 0):.1f}% trained on the labels alone ({100 * d.gain:+.1f} points)")
