"""`python -m codegen COMMAND` (or `mcuforge COMMAND`): mcuforge's generator on its own -- what it makes of
a model, the C it writes, a layer-by-layer check against TFLM, the boards, benchmarks, model
preparation and comparisons. Building, running and testing on a board is `scons` (`scons -h`)."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable

from codegen.errors import McuforgeError, handle
from codegen.options.arguments import count_arg, model_arg, seed_arg, table_arg

Command = tuple[Callable[[argparse.ArgumentParser], None], Callable[[argparse.Namespace], int], str]
COMMANDS: dict[str, Command] = {}


def command(name: str, help_text: str):
    def deco(setup: Callable[[argparse.ArgumentParser], None]):
        def bind(run: Callable[[argparse.Namespace], int]):
            COMMANDS[name] = (setup, run, help_text)
            return run
        return bind
    return deco


def _inspect_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=model_arg, help="a .tflite file")
    p.add_argument("--board", default=None, help="generate for this board's core (kernel variant)")
    p.add_argument("--int8-io", action="store_true", help="drop boundary QUANTIZE/DEQUANTIZE")
    p.add_argument("--kernels", type=table_arg("kernels"), default=None, metavar="auto|reference|dsp|mve",
                   help="kernel variant whose weight layout to plan for (default: auto, the board's)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--memory", type=table_arg("memory"), default="balanced", metavar="ram|balanced|speed",
                   help="RAM against speed: ram runs the first layers patch by patch (recomputing halos) as far as "
                        "that lowers RAM; balanced (default) does it only when the model does not fit the board; speed never")


@command("inspect", "per-operator table: shapes, types, MACs, weights, arena placement")(_inspect_args)
def _inspect(a: argparse.Namespace) -> int:
    from codegen.boards import load_board
    from codegen.inspect import inspect_and_show
    from codegen.options import BuildOptions
    inspect_and_show(a.model, load_board(a.board) if a.board else None,
                     BuildOptions(int8_io=a.int8_io, kernels=a.kernels, memory=a.memory), as_json=a.json)
    return 0


def _generate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=model_arg, help="a .tflite file")
    p.add_argument("-o", "--out", type=Path, required=True, help="directory for the generated C")
    p.add_argument("--prefix", default=None, help="symbol prefix (default: from the file name)")
    p.add_argument("--int8-io", action="store_true")
    p.add_argument("--board", default=None, help="generate for this board's core")
    p.add_argument("--kernels", type=table_arg("kernels"), default=None, metavar="auto|reference|dsp|mve",
                   help="kernel variant whose weight layout to write (default: auto, the board's)")
    p.add_argument("--memory", type=table_arg("memory"), default="balanced", metavar="ram|balanced|speed",
                   help="RAM against speed: ram runs the first layers patch by patch (recomputing halos) as far as "
                        "that lowers RAM; balanced (default) does it only when the model does not fit the board; speed never")


@command("generate", "write <prefix>_model.h/.c and <prefix>_weights.c for a model")(_generate_args)
def _generate(a: argparse.Namespace) -> int:
    from codegen.boards import load_board
    from codegen.generate import GenerateOptions, generate
    from codegen.options import BuildOptions
    from codegen.kernels import chain, define, generator_target, variant_for
    from codegen.ops.base import Target
    core = load_board(a.board).core.target if a.board else Target()
    variant = variant_for(core, a.kernels)
    m, files = generate(a.model, a.out, generator_target(variant, core),
                        GenerateOptions(prefix=a.prefix, int8_io=a.int8_io,
                                        memory=BuildOptions(memory=a.memory).memory))
    for f in files.all:
        print(f)
    print(f"arena {m.arena_bytes} B, weights {m.weights_bytes} B, {m.macs} MACs, kernels: {', '.join(m.kernels)}")
    for stage in m.patches:
        print(f"patch-based inference: {stage.describe()}")
    where = ", else ".join(f"firmware/kernels/{v.value}/" for v in chain(variant))
    print(f"compile it with the {variant.value} kernels ({where}) and -D{define(variant)}; "
          "`export` writes a library that does")
    return 0


def _export_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=model_arg, help="a .tflite file")
    p.add_argument("--board", required=True, help="the board the library is for (`python -m codegen boards` lists them)")
    p.add_argument("--format", type=table_arg("export"), required=True, metavar="cmake|platformio|arduino|zip",
                   help="a CMake package, a PlatformIO library, an Arduino library, or a zip with a Makefile")
    p.add_argument("-o", "--out", type=Path, required=True,
                   help="the library's directory, new or empty (the zip format writes NAME.zip into it)")
    p.add_argument("--force", action="store_true", help="replace an earlier export in that directory")
    p.add_argument("--kernels", type=table_arg("kernels"), default=None, metavar="auto|reference|dsp|mve",
                   help="kernel variant (default: auto, the board core's)")
    p.add_argument("--int8-io", action="store_true", help="int8 model I/O: drop the boundary QUANTIZE/DEQUANTIZE")
    p.add_argument("--prefix", default=None, help="symbol prefix and library name (default: from the file name)")
    p.add_argument("--memory", type=table_arg("memory"), default="balanced", metavar="ram|balanced|speed",
                   help="RAM against speed: ram runs the first layers patch by patch (recomputing halos) as far as "
                        "that lowers RAM; balanced (default) does it only when the model does not fit the board; speed never")


@command("export", "a model as a self-contained library for a board: cmake, platformio, arduino or zip")(_export_args)
def _export(a: argparse.Namespace) -> int:
    from codegen.boards import load_board
    from codegen.export.library import plan_library
    from codegen.export.show import export_lines
    from codegen.export.writer import check_destination, export_library
    from codegen.kernels import variant_for
    from codegen.options import BuildOptions, ExportOptions
    export = ExportOptions(format=a.format, force=a.force)
    build = BuildOptions(kernels=a.kernels, int8_io=a.int8_io, prefix=a.prefix, memory=a.memory)
    board = load_board(a.board)
    variant_for(board.core.target, build.kernels)
    check_destination(a.out, export.force)  # all before the generator runs: a mistake costs no waiting
    exported = export_library(plan_library(a.model, board, build), export.format, a.out, force=export.force)
    for line in export_lines(exported, str(a.out)):
        print(line)
    return 0


def _debug_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=model_arg, help="a .tflite file")
    p.add_argument("--samples", type=count_arg(10_000), default=3, help="random inputs to compare on (3)")
    p.add_argument("--seed", type=seed_arg, default=0, help="seed of the random inputs (0)")


@command("debug", "compare every intermediate tensor with TFLM; name the first op that diverges")(_debug_args)
def _debug(a: argparse.Namespace) -> int:
    from codegen.debug import debug_model
    rep = debug_model(a.model, samples=a.samples, seed=a.seed)
    if rep.ok:
        print(f"all {rep.compared} intermediate tensors match TFLM on {rep.samples} random inputs")
        return 0
    f = rep.first
    assert f is not None
    print(f"first divergence: op {f.op_index} {f.opcode}, output tensor {f.tensor} ({f.name}): "
          f"{f.mismatched}/{f.elements} elements differ, max |diff| {f.max_abs_diff:g}")
    return 1


def _boards_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", action="store_true", help="the README's table")


@command("boards", "list the boards and check every board file against the schema")(_boards_args)
def _boards(a: argparse.Namespace) -> int:
    from codegen.boards import list_boards, load_board
    from codegen.term import kb
    rows = []
    for name in list_boards():
        b = load_board(name)
        rows.append((b.name, b.title, b.here, b.core.name, f"{b.cpu_hz / 1e6:g} MHz" if b.cpu_hz else "-",
                     kb(b.flash.size) if b.flash else "-",
                     kb(b.ram.size) + "".join(f" + {kb(r.size)} {r.name}" for r in b.extra_ram) if b.ram else "-"))
    head = ("board", "name", "here", "core", "clock", "flash", "RAM")
    if a.markdown:
        print("| " + " | ".join(head) + " |")
        print("|" + "---|" * len(head))
        for r in rows:
            print("| " + " | ".join(f"`{r[0]}`" if i == 0 else r[i] for i in range(len(r))) + " |")
    else:
        w = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(head)]
        print("  ".join(h.ljust(x) for h, x in zip(head, w)))
        for r in rows:
            print("  ".join(c.ljust(x) for c, x in zip(r, w)))
    return 0


def _ops_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--markdown", action="store_true", help="the README's operator table")


@command("ops", "TFLM's operators x types: generated, or refused and why (TFLM's own limits)")(_ops_args)
def _ops(a: argparse.Namespace) -> int:
    from codegen.support_table import render_markdown, render_text, support_table
    for line in (render_markdown if a.markdown else render_text)(support_table()):
        print(line)
    return 0


def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("models", nargs="*", type=model_arg, help="default: every model in ../shared/models")
    p.add_argument("--out", type=Path, default=None,
                   help="Markdown file (default: BENCHMARKS.md; with --place: build/bench-PLACE.md)")
    p.add_argument("--place", default=None, help="a labgrid place: the models on the board it holds (not QEMU's cores)")
    p.add_argument("--coordinator", default=None, help="with --place: the labgrid coordinator HOST[:PORT] "
                                                       "(default: $LG_COORDINATOR, else 127.0.0.1:20408)")


@command("bench", "build and run the shared models on the emulated Cortex-M4/M7/M33/M55; write BENCHMARKS.md")(_bench_args)
def _bench(a: argparse.Namespace) -> int:
    from codegen.bench import REPO, farm_bench, main_bench, main_bench_place
    models = [m.resolve() for m in a.models] or None
    if a.place is not None:
        main_bench_place(farm_bench(a.place, a.coordinator), models=models, out_md=a.out,
                         command=f"python -m codegen bench --place {a.place}")
        return 0
    if a.coordinator is not None:
        raise McuforgeError("--coordinator is for a labgrid place", hint="give --place NAME too, or leave it out")
    main_bench(out_md=a.out or REPO / "BENCHMARKS.md", models=models)
    return 0


def _docs_args(p: argparse.ArgumentParser) -> None:
    g = p.add_mutually_exclusive_group()
    g.add_argument("--check", action="store_true", help="exit 1 naming every block that differs (the default)")
    g.add_argument("--write", action="store_true", help="rewrite the blocks and generated files")
    g.add_argument("--list", action="store_true", help="every block, its file and what regenerates it")
    p.add_argument("--record", nargs="+", default=[], metavar="NAME",
                   help="first repeat the QEMU runs recorded blocks are rendered from: default-run, kws-test, "
                        "example-run, or all (a minute or two); then --write")
    p.add_argument("names", nargs="*", help="only these blocks (default: all)")


@command("docs", "README, docs/, examples/, BENCHMARKS.md: check or rewrite their tables and command outputs")(_docs_args)
def _docs(a: argparse.Namespace) -> int:
    from codegen import docs
    from codegen.errors import McuforgeError
    if not (docs.REPO / "README.md").is_file() or not (docs.REPO / "docs").is_dir():
        raise McuforgeError("docs works on a checkout of mcuforge", hint="run it from the repository")
    if a.list:
        for line in docs.listing():
            print(line)
        return 0
    if a.record:
        docs.record(list(docs.RECORDS) if a.record == ["all"] else a.record)
    if a.write or a.record:
        changed = docs.write(names=a.names)
        print("\n".join(f"wrote {p}" for p in changed) or "the documentation is current")
        return 0
    drift = docs.check(names=a.names)
    for d in drift:
        print(f"stale: {d.where}\n  regenerate: {d.how}")
    if not drift:
        print("the documentation is current: every block is what its command prints")
    return 1 if drift else 0


def _prep_commands() -> None:
    """`quantize` and `compare` (codegen/prep/): model preparation and variants measured on a board."""
    from codegen.prep import commands as prep
    command("quantize", prep.QUANTIZE_HELP)(prep.quantize_args)(prep.quantize_run)
    command("compare", prep.COMPARE_HELP)(prep.compare_args)(prep.compare_run)


_prep_commands()


def _tune_command() -> None:
    """`tune` (codegen/tune/): hardware-aware model search measured on the board."""
    from codegen.tune import commands as tune
    command("tune", tune.TUNE_HELP)(tune.tune_args)(tune.tune_run)


_tune_command()


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m codegen", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="`python -m codegen COMMAND --help` describes each command. A mistake is an "
                                       "error with its fix (exit 2).")
    sub = p.add_subparsers(dest="cmd", required=True, metavar="COMMAND", title="commands")
    for name, (setup, _, help_text) in COMMANDS.items():
        setup(sub.add_parser(name, help=help_text, description=help_text))
    return p


def _log_dir() -> Path | None:
    """Where an unexpected error's traceback goes: the checkout's build/ (else a temporary file)."""
    from codegen.pio.core import REPO_ROOT
    return REPO_ROOT / "build"


def main(argv: list[str] | None = None) -> int:
    """The front door of `python -m codegen` and the `mcuforge` script: every error ends here."""
    a = parser().parse_args(argv)
    try:
        code = COMMANDS[a.cmd][1](a)
        sys.stdout.flush()
        return code
    except BrokenPipeError:
        # output piped into `head` and the like: stop quietly, as other command-line tools do
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except BaseException as exc:  # noqa: BLE001 - the front door: the error and its fix, never a traceback
        if isinstance(exc, SystemExit):
            raise
        try:
            log_dir = _log_dir()
        except Exception:  # noqa: BLE001 - no checkout: a temporary file
            log_dir = None
        return handle(exc, f"`{a.cmd}`", log_dir=log_dir)
