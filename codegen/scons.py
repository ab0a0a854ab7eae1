"""SCons integration: what `scons board=B model=PATH [run|test|inspect|bench|compare]` builds
(and `export=FORMAT`: the model as a library instead of firmware).

The command line is parsed once (:func:`codegen.options.command_line.parse_command_line`: one table
of options, which also writes `scons -h`) into a :class:`CommandLine` of typed records; every
mistake in it is refused here, before anything is built. For `run` and `test` the model is
generated and the input data checked against it before the firmware is compiled.

Graph: model + board file + generator sources -> generated project (plan.json, sources, platformio.ini)
-> `pio run` -> firmware.elf/.bin/.hex/.map -> report.json. `run` and `test` act on the built firmware
and always execute. Content signatures make a second `scons` with nothing changed a no-op.

Every action and the configuration itself end in :func:`codegen.errors.handle`: a McuforgeError is
printed with its fix, anything unexpected as one line plus the path of a log holding the traceback.
"""

from __future__ import annotations

import signal
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from codegen.errors import McuforgeError, handle
from codegen.options import Command, ExportOptions
from codegen.options.command_line import CommandLine, help_text, parse_command_line

REPO = Path(__file__).resolve().parents[1]
DEFAULT_MODEL = REPO / "models" / "digits_cnn.tflite"
ACTION_FAILED = 1  # what an action returns on an error: SCons then stops with "Error 1"


def _sources(root: Path, patterns: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for pat in patterns:
        out += sorted(str(p) for p in root.glob(pat) if "__pycache__" not in p.parts)
    return out


def _lit(text: object) -> str:
    """A path or message for SCons, which substitutes `$VAR` and evaluates `${python expression}` in
    every target, source and action string: a model named `${...}.tflite` would run code. `$$` is
    SCons's literal `$`."""
    return str(text).replace("$", "$$")


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


@dataclass(frozen=True)
class _Job:
    """What one scons invocation builds; the actions look it up instead of closing over it, so their
    signatures stay stable from run to run (a changed signature would force a rebuild)."""

    line: CommandLine
    proj: Path
    root: Path


_JOB: dict[str, Any] = {}


def _job() -> _Job:
    return _JOB["job"]


def _project():
    """The generated project, computed once per scons invocation."""
    from codegen.boards import load_board
    from codegen.pio.project import write_project
    if "project" not in _JOB:
        j = _job()
        _JOB["project"] = write_project(load_board(j.line.board), j.line.model, j.proj, j.line.build)
    return _JOB["project"]


def _guarded(fn: Callable[[], object], doing: str) -> int:
    """Run an action body; an int result is its exit status, anything else means success.

    SCons's own SIGINT handler only stops the build after the running action ends; a run on a
    target (a farm place held, QEMU up) must stop now and clean up: during the action Ctrl-C raises
    KeyboardInterrupt in it (when SCons runs actions in its main thread, as with -j1)."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        rc = fn()
        return rc if isinstance(rc, int) else 0
    except BaseException as exc:  # noqa: BLE001 - every error ends here: reported, then SCons stops
        handle(exc, doing, log_dir=_job().root)
        return ACTION_FAILED
    finally:
        if previous is not None:
            signal.signal(signal.SIGINT, previous)


def generate_action(target, source, env) -> int:  # noqa: ARG001 - SCons action signature
    return _guarded(_project, "generating the model's code")


def compile_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.pio.runner import build
    return _guarded(lambda: build(_project()), "compiling the firmware")


def report_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.cli_show import show_build
    from codegen.report import write_report

    def go() -> None:
        p = _project()
        show_build(write_report(p, p.firmware_elf), p)
    return _guarded(go, "writing report.json")


def run_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.cli_show import run_and_show
    return _guarded(lambda: run_and_show(_project(), _job().line.run), "the run")


def test_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.validate import validate_and_show
    return _guarded(lambda: validate_and_show(_project(), _job().line.validate), "the test against TFLM")


def inspect_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.boards import load_board
    from codegen.inspect import inspect_and_show
    line = _job().line
    return _guarded(lambda: inspect_and_show(line.model, load_board(line.board), line.build), "inspect")


def export_dir(proj: Path, export: ExportOptions) -> Path:
    """Where `scons ... export=FORMAT` writes the library: beside the firmware build of the same options."""
    return proj / f"export-{export.format.value}"


def export_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.boards import load_board
    from codegen.export.library import plan_library
    from codegen.export.show import export_lines
    from codegen.export.writer import export_library
    from codegen.term import say
    j = _job()
    export = j.line.export
    assert export is not None

    def go() -> None:
        out = export_dir(j.proj, export)
        library = plan_library(j.line.model, load_board(j.line.board), j.line.build)
        for line in export_lines(export_library(library, export.format, out, force=export.force), _rel(out)):
            say(line)
    return _guarded(go, "exporting the library")


def bench_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.bench import farm_bench, main_bench, main_bench_place
    reach = _job().line.run.target
    if reach.place is not None:
        return _guarded(lambda: main_bench_place(farm_bench(reach.place, reach.coordinator),
                                                 command=f"scons bench place={reach.place}") and 0, "bench")
    return _guarded(lambda: main_bench(command="scons bench") and 0, "bench")


def linux_bench_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.linux.report import bench_and_show
    return _guarded(lambda: bench_and_show(_project(), _job().line.bench) and 0, "bench on a Linux board")


def compare_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.prep.commands import run_compare
    j = _job()
    assert j.line.compare is not None
    return _guarded(lambda: run_compare(j.line.compare, j.root), "compare")


def _check_board(line: CommandLine, board: Any) -> None:
    """What the board says about the options: an upload tool it has, a target it can run on."""
    up = line.run.target.upload
    if up is not None:
        if board.upload is None:
            raise McuforgeError(f"upload={up}: {board.name} has no [upload] table (it is not flashed by a tool)",
                                hint="leave upload= out")
        if up not in board.upload.protocols:
            raise McuforgeError(f"upload={up}: {board.name} is flashed with "
                                + ", ".join(board.upload.protocols), hint="use one of those, or leave upload= out")
    farm = {"place", "coordinator"}  # `scons bench place=NAME`: the shared models on a labgrid place's board
    if line.commands == (Command.BENCH,) and board.linux is None and line.given - farm:
        raise McuforgeError(f"scons bench with {', '.join(sorted(o + '=' for o in line.given - farm))}: bench "
                            f"compares runtimes on a Linux board, and {board.name} is not one",
                            hint="give board= a Linux board (rpi4, stm32mp157, x86_64), place=NAME for a labgrid "
                                 "place, or run `scons bench` alone for every shared model on the emulated Cortex-M "
                                 "cores")
    if line.commands == (Command.BENCH,) and board.linux is not None and line.given & farm:
        raise McuforgeError(f"scons bench board={board.name} place=: a Linux board is benchmarked over SSH, not "
                            "on a labgrid place", hint="leave place= out (the hardware map's ssh entry reaches it)")
    if line.run.gpio_trace and line.wants(Command.RUN) and not board.emulated:
        raise McuforgeError(f"gpio_trace=1 reads QEMU's GPIO trace; {board.name} is not emulated",
                            hint="logic=1 times the timing pin of a real board with a logic analyzer")


def _preflight(line: CommandLine, board: Any) -> None:
    """Before the firmware is compiled: the model generated (its errors first), the input data and the
    hardware map checked against it."""
    from codegen.hil.hwmap import load_hardware_map
    from codegen.reference import float_input_ranges
    from codegen.run import request_for, run_inputs
    from codegen.validate import sample_inputs
    project = _project()
    if line.wants(Command.RUN):
        run_inputs(project, line.run)
        request_for(line.run.target, board)
        if line.run.logic:
            load_hardware_map(line.run.target.hwmap).logic_for(board.name)
    if line.wants(Command.TEST):
        v = line.validate
        sample_inputs(v.data, project.compiled.inputs, v.samples, v.seed, float_input_ranges(project.compiled.graph))
        request_for(v.target, board)


def configure(env: Any, args: dict, targets: list[str]) -> None:
    from SCons.Script import GetOption, Help, SConsignFile  # type: ignore[import-not-found]
    Help(help_text(), append=False)
    if GetOption("help"):
        return  # `scons -h`: the help text only
    from codegen.pio.project import BUILD_ROOT
    root = BUILD_ROOT
    try:
        line = parse_command_line(dict(args), list(targets), DEFAULT_MODEL)
        root = line.build_dir or BUILD_ROOT
        # the signature database lives with the build tree it describes: one per build_dir, so two scons
        # processes building into different trees never overwrite each other's record (a shared
        # .sconsign in the checkout lost entries when they ran at once, and a no-op build rebuilt)
        root.mkdir(parents=True, exist_ok=True)
        SConsignFile(str(root / ".sconsign"))
        _declare(env, line, root, cleaning=bool(GetOption("clean")))
    except BaseException as exc:  # noqa: BLE001 - the front door: reported with its fix, non-zero exit
        if isinstance(exc, SystemExit):
            raise
        sys.exit(handle(exc, "reading the command line", log_dir=root, user_status=ACTION_FAILED))


def _declare(env: Any, line: CommandLine, root: Path, cleaning: bool) -> None:
    from SCons.Script import Alias, AlwaysBuild, Default, Precious  # type: ignore[import-not-found]

    from codegen.boards import load_board
    from codegen.lowering import prefix_from
    from codegen.pio.project import project_dir
    board = load_board(line.board)
    _check_board(line, board)
    model, options = line.model, line.build
    proj = project_dir(board.name, model, options, root)
    _JOB.clear()
    _JOB["job"] = _Job(line, proj, root)
    if not cleaning and (line.wants(Command.RUN) or line.wants(Command.TEST)):
        _preflight(line, board)
    prefix = prefix_from(model.stem)
    # what the generated files depend on besides the sources: the build options (signature only)
    env["MF_OPTIONS"] = _lit(repr(options))

    gen_targets = [proj / "plan.json", proj / "platformio.ini", proj / "boards" / f"{board.name}.json",
                   proj / "src" / f"{prefix}_model.c", proj / "src" / f"{prefix}_model.h",
                   proj / "src" / f"{prefix}_weights.c", proj / "src" / "mf_app.h",
                   proj / "src" / "mf_board_config.h"]
    if not board.hosted:
        gen_targets.append(proj / "linker.ld")
    gen_deps = [_lit(p) for p in [model, board.path, *_sources(REPO, ("codegen/**/*.py", "templates/*.j2"))]]
    gen = env.Command([_lit(t) for t in gen_targets], gen_deps,
                      env.Action(generate_action, _lit(f"generate   {model.name} for {board.name} -> {_rel(proj)}"),
                                 varlist=["MF_OPTIONS"]))
    Precious(gen)

    art = ["firmware"] if board.hosted else ["firmware.elf", "firmware.bin", "firmware.hex"]
    fw_targets = [_lit(proj / a) for a in art] + [_lit(proj / "firmware.map")]
    fw_deps = gen + [_lit(p) for p in _sources(REPO, ("firmware/**/*.c", "firmware/**/*.h", "pio-platform/**/*.py",
                                                      "pio-platform/*.json"))]
    fw = env.Command(fw_targets, fw_deps, env.Action(compile_action, _lit(f"pio run    {board.name} ({board.core.name})")))
    # SCons deletes targets before rebuilding them; when `pio run` then finds nothing to relink, the
    # linker never rewrites firmware.map (.elf/.bin/.hex are copied back from .pio/build): keep them
    Precious(fw)
    # report.json is rewritten when the firmware or the code that measures it changes
    rep = env.Command(_lit(proj / "report.json"),
                      fw + [_lit(p) for p in _sources(REPO, ("codegen/report.py", "codegen/elfsize.py"))],
                      env.Action(report_action, _lit(f"report     {_rel(proj)}/report.json")))
    env.Clean(rep, _lit(proj))
    Alias("build", rep)
    if line.export is None:
        Default(rep)
    else:  # export=FORMAT: the library instead of the firmware
        from codegen.export.writer import MANIFEST
        out = export_dir(proj, line.export)
        env["MF_EXPORT"] = repr(line.export)
        lib = env.Command(_lit(out / MANIFEST), [_lit(p) for p in [model, board.path, *_sources(
            REPO, ("codegen/**/*.py", "templates/**/*.j2", "firmware/**/*.c", "firmware/**/*.h"))]],
            env.Action(export_action, _lit(f"export     {model.name} for {board.name} as {line.export.format.value} "
                                           f"-> {_rel(out)}"), varlist=["MF_OPTIONS", "MF_EXPORT"]))
        Precious(lib)  # the writer replaces an earlier export whole; SCons must not delete its manifest first
        Default(lib)
    AlwaysBuild(Alias("run", rep, env.Action(run_action, _lit(f"run        {model.name} on {board.name}"))))
    AlwaysBuild(Alias("test", rep, env.Action(test_action, _lit(f"test       {model.name} on {board.name} vs TFLM"))))
    AlwaysBuild(Alias("inspect", [], env.Action(inspect_action, _lit(f"inspect    {model.name}"))))
    if board.linux is not None:  # a Linux board: mcuforge's C, LiteRT and ONNX Runtime side by side there
        AlwaysBuild(Alias("bench", rep, env.Action(linux_bench_action,
                                                   _lit(f"bench      {model.name} on {board.name}: mcuforge C vs "
                                                        "LiteRT vs ONNX Runtime"))))
    else:
        AlwaysBuild(Alias("bench", [], env.Action(bench_action, "bench      shared models x emulated cores -> BENCHMARKS.md")))
    AlwaysBuild(Alias("compare", [], env.Action(compare_action, _lit(f"compare    variants=... on {board.name}"))))
