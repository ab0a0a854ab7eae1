"""SCons integration: what `scons board=B model=PATH [run|test|inspect|bench|compare]` builds.

Graph: model + board file + generator sources -> generated project (plan.json, sources, platformio.ini)
-> `pio run` -> firmware.elf/.bin/.hex/.map -> report.json. `run` and `test` act on the built firmware
and always execute. Content signatures make a second `scons` with nothing changed a no-op.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from codegen.errors import McuforgeError
from codegen.pio.project import BUILD_ROOT, BuildOptions, project_dir
from codegen.lowering import prefix_from

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BOARD = "stm32l475"
DEFAULT_MODEL = REPO / "models" / "digits_cnn.tflite"


def _flag(args: dict, key: str) -> bool:
    return str(args.get(key, "0")).lower() in ("1", "yes", "true", "on")


def options_from(args: dict) -> BuildOptions:
    return BuildOptions(int8_io=_flag(args, "int8_io"), kernels=args.get("kernels", "auto"),
                        opt=args.get("opt", "-O2"), stack_size=int(args.get("stack", 4096)))


def _fail(exc: Exception) -> int:
    if isinstance(exc, McuforgeError):
        print(f"\nerror: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  fix: {exc.hint}", file=sys.stderr)
    else:
        import traceback
        traceback.print_exc()
    return 1


def _sources(root: Path, patterns: tuple[str, ...]) -> list[str]:
    out: list[str] = []
    for pat in patterns:
        out += sorted(str(p) for p in root.glob(pat) if "__pycache__" not in p.parts)
    return out


def _rel(p: Path) -> str:
    try:
        return str(p.relative_to(Path.cwd()))
    except ValueError:
        return str(p)


@dataclass(frozen=True)
class _Job:
    """What one scons invocation builds; the actions look it up instead of closing over it, so their
    signatures stay stable from run to run (a changed signature would force a rebuild)."""

    board_name: str
    model: Path
    proj: Path
    options: BuildOptions
    args: tuple[tuple[str, str], ...]


_JOB: dict[str, Any] = {}


def _job() -> _Job:
    return _JOB["job"]


def _project():
    """The generated project, computed once per scons invocation."""
    from codegen.boards import load_board
    from codegen.pio.project import write_project
    if "project" not in _JOB:
        j = _job()
        _JOB["project"] = write_project(load_board(j.board_name), j.model, j.proj, j.options)
    return _JOB["project"]


def _guarded(fn) -> int:
    """Run an action body; an int result is its exit status, anything else means success."""
    try:
        rc = fn()
        return rc if isinstance(rc, int) else 0
    except Exception as exc:  # noqa: BLE001 - reported with its fix, then SCons stops
        return _fail(exc)


def generate_action(target, source, env) -> int:  # noqa: ARG001 - SCons action signature
    return _guarded(_project)


def compile_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.pio.runner import build
    return _guarded(lambda: build(_project()))


def report_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.cli_show import show_build
    from codegen.report import write_report

    def go() -> None:
        p = _project()
        show_build(write_report(p, p.firmware_elf), p)
    return _guarded(go)


def run_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.cli_show import run_and_show
    return _guarded(lambda: run_and_show(_project(), dict(_job().args)))


def test_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.validate import validate_and_show
    return _guarded(lambda: validate_and_show(_project(), dict(_job().args)))


def inspect_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.boards import load_board
    from codegen.inspect import inspect_and_show
    j = _job()
    return _guarded(lambda: inspect_and_show(j.model, load_board(j.board_name), j.options))


def bench_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.bench import main_bench
    return _guarded(lambda: main_bench(command="scons bench") and 0)


def linux_bench_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.linux.report import bench_and_show
    return _guarded(lambda: bench_and_show(_project(), dict(_job().args)) and 0)


def compare_action(target, source, env) -> int:  # noqa: ARG001
    from codegen.prep.commands import compare_from_args
    j = _job()
    return _guarded(lambda: compare_from_args(j.board_name, dict(j.args)))


def configure(env: Any, args: dict, targets: list[str]) -> None:
    from SCons.Script import Alias, AlwaysBuild, Default, Precious  # type: ignore[import-not-found]

    from codegen.boards import load_board
    board_name = args.get("board", DEFAULT_BOARD)
    model = Path(args.get("model", str(DEFAULT_MODEL))).resolve()
    options = options_from(args)
    root = Path(args["build_dir"]).resolve() if args.get("build_dir") else BUILD_ROOT
    proj = project_dir(board_name, model, options, root)
    prefix = prefix_from(model.stem)
    try:
        board = load_board(board_name)
    except McuforgeError as exc:
        sys.exit(_fail(exc))
    if not model.is_file():
        sys.exit(_fail(McuforgeError(f"model file not found: {model}", hint="pass model=PATH to a .tflite file")))
    _JOB.clear()
    _JOB["job"] = _Job(board_name, model, proj, options, tuple(sorted((str(k), str(v)) for k, v in args.items())))
    # what the generated files depend on besides the sources: the build options (signature only)
    env["MF_OPTIONS"] = repr(options)

    gen_targets = [proj / "plan.json", proj / "platformio.ini", proj / "boards" / f"{board_name}.json",
                   proj / "src" / f"{prefix}_model.c", proj / "src" / f"{prefix}_model.h",
                   proj / "src" / f"{prefix}_weights.c", proj / "src" / "mf_app.h",
                   proj / "src" / "mf_board_config.h"]
    if not board.hosted:
        gen_targets.append(proj / "linker.ld")
    gen_deps = [str(model), str(board.path)] + _sources(REPO, ("codegen/**/*.py", "templates/*.j2"))
    gen = env.Command([str(t) for t in gen_targets], gen_deps,
                      env.Action(generate_action, f"generate   {model.name} for {board_name} -> {_rel(proj)}",
                                 varlist=["MF_OPTIONS"]))
    Precious(gen)

    art = ["firmware"] if board.hosted else ["firmware.elf", "firmware.bin", "firmware.hex"]
    fw_targets = [str(proj / a) for a in art] + [str(proj / "firmware.map")]
    fw_deps = gen + _sources(REPO, ("firmware/**/*.c", "firmware/**/*.h", "pio-platform/**/*.py",
                                    "pio-platform/*.json"))
    fw = env.Command(fw_targets, fw_deps, env.Action(compile_action, f"pio run    {board_name} ({board.core.name})"))
    # SCons deletes targets before rebuilding them; when `pio run` then finds nothing to relink, the
    # linker never rewrites firmware.map (.elf/.bin/.hex are copied back from .pio/build): keep them
    Precious(fw)
    rep = env.Command(str(proj / "report.json"), fw, env.Action(report_action, f"report     {_rel(proj)}/report.json"))
    env.Clean(rep, str(proj))
    Alias("build", rep)
    Default(rep)
    AlwaysBuild(Alias("run", rep, env.Action(run_action, f"run        {model.name} on {board_name}")))
    AlwaysBuild(Alias("test", rep, env.Action(test_action, f"test       {model.name} on {board_name} vs TFLM")))
    AlwaysBuild(Alias("inspect", [], env.Action(inspect_action, f"inspect    {model.name}")))
    if board.linux is not None:  # a Linux board: mcuforge's C, LiteRT and ONNX Runtime side by side there
        AlwaysBuild(Alias("bench", rep, env.Action(linux_bench_action,
                                                   f"bench      {model.name} on {board_name}: mcuforge C vs LiteRT vs ONNX Runtime")))
    else:
        AlwaysBuild(Alias("bench", [], env.Action(bench_action, "bench      shared models x emulated cores -> BENCHMARKS.md")))
    AlwaysBuild(Alias("compare", [], env.Action(compare_action, f"compare    variants=... on {board_name}")))
