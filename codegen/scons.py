"""SCons integration: what `scons board=B model=PATH [run|test|inspect|bench]` builds.

Graph: model + board file + generator sources -> generated project (plan.json, sources, platformio.ini)
-> `pio run` -> firmware.elf/.bin/.hex/.map -> report.json. `run` and `test` act on the built firmware
and always execute. Content signatures make a second `scons` with nothing changed a no-op.
"""

from __future__ import annotations

import os
import sys
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


def configure(env: Any, args: dict, targets: list[str]) -> None:
    from SCons.Script import Alias, AlwaysBuild, Default, Precious  # type: ignore[import-not-found]

    board_name = args.get("board", DEFAULT_BOARD)
    model = Path(args.get("model", str(DEFAULT_MODEL))).resolve()
    options = options_from(args)
    proj = project_dir(board_name, model, options)
    prefix = prefix_from(model.stem)
    from codegen.boards import load_board
    try:
        board = load_board(board_name)
    except McuforgeError as exc:
        sys.exit(_fail(exc))
    if not model.is_file():
        sys.exit(_fail(McuforgeError(f"model file not found: {model}", hint="pass model=PATH to a .tflite file")))

    gen_targets = [proj / "plan.json", proj / "platformio.ini", proj / "boards" / f"{board_name}.json",
                   proj / "src" / f"{prefix}_model.c", proj / "src" / f"{prefix}_model.h",
                   proj / "src" / f"{prefix}_weights.c", proj / "src" / "mf_app.h",
                   proj / "src" / "mf_board_config.h"]
    if not board.native:
        gen_targets.append(proj / "linker.ld")
    gen_deps = [str(model), str(board.path)] + _sources(REPO, ("codegen/**/*.py", "templates/*.j2"))

    memo: dict = {}

    def project():
        """The generated project, computed once per scons invocation."""
        from codegen.pio.project import write_project
        if "p" not in memo:
            memo["p"] = write_project(board, model, proj, options)
        return memo["p"]

    def generate(target, source, env):  # noqa: ARG001 - SCons action signature
        try:
            project()
        except Exception as exc:  # noqa: BLE001 - reported with its fix, then SCons stops
            return _fail(exc)
        return 0

    gen = env.Command([str(t) for t in gen_targets], gen_deps,
                      env.Action(generate, f"generate   {model.name} for {board_name} -> {proj.relative_to(REPO)}"))
    Precious(gen)

    art = ["firmware"] if board.native else ["firmware.elf", "firmware.bin", "firmware.hex"]
    fw_targets = [str(proj / a) for a in art] + [str(proj / "firmware.map")]
    fw_deps = gen + _sources(REPO, ("firmware/**/*.c", "firmware/**/*.h", "pio-platform/**/*.py",
                                    "pio-platform/*.json"))

    def compile_fw(target, source, env):  # noqa: ARG001
        from codegen.pio.runner import build
        try:
            build(project())
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)
        return 0

    fw = env.Command(fw_targets, fw_deps, env.Action(compile_fw, f"pio run    {board_name} ({board.core.name})"))

    def report(target, source, env):  # noqa: ARG001
        from codegen.cli_show import show_build
        from codegen.report import write_report
        try:
            rep = write_report(project(), Path(fw_targets[0]))
            show_build(rep, project())
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)
        return 0

    rep = env.Command(str(proj / "report.json"), fw, env.Action(report, f"report     {proj.relative_to(REPO)}/report.json"))
    env.Clean(rep, str(proj))
    Alias("build", rep)
    Default(rep)

    def run_action(target, source, env):  # noqa: ARG001
        from codegen.cli_show import run_and_show
        try:
            run_and_show(project(), args)
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)
        return 0

    run = Alias("run", rep, env.Action(run_action, f"run        {model.name} on {board_name}"))
    AlwaysBuild(run)

    def test_action(target, source, env):  # noqa: ARG001
        from codegen.validate import validate_and_show
        try:
            return validate_and_show(project(), args)
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)

    test = Alias("test", rep, env.Action(test_action, f"test       {model.name} on {board_name} vs TFLM"))
    AlwaysBuild(test)

    def inspect_action(target, source, env):  # noqa: ARG001
        from codegen.inspect import inspect_and_show
        try:
            inspect_and_show(model, board, options)
        except Exception as exc:  # noqa: BLE001
            return _fail(exc)
        return 0

    AlwaysBuild(Alias("inspect", [], env.Action(inspect_action, f"inspect    {model.name}")))
    _ = (BUILD_ROOT, os)
