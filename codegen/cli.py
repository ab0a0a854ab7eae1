"""`python -m codegen <command>`: the generator's own commands (the build-and-run flow is `scons`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable

from codegen.errors import McuforgeError

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
    p.add_argument("model", type=Path)
    p.add_argument("--board", default=None, help="generate for this board's core (kernel variant)")
    p.add_argument("--int8-io", action="store_true", help="drop boundary QUANTIZE/DEQUANTIZE")
    p.add_argument("--json", action="store_true", help="machine-readable output")


@command("inspect", "per-operator table: shapes, types, MACs, weights, arena placement")(_inspect_args)
def _inspect(a: argparse.Namespace) -> int:
    from codegen.boards import load_board
    from codegen.inspect import inspect_and_show
    from codegen.pio.project import BuildOptions
    inspect_and_show(a.model, load_board(a.board) if a.board else None, BuildOptions(int8_io=a.int8_io),
                     as_json=a.json)
    return 0


def _generate_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path)
    p.add_argument("-o", "--out", type=Path, required=True, help="directory for the generated C")
    p.add_argument("--prefix", default=None, help="symbol prefix (default: from the file name)")
    p.add_argument("--int8-io", action="store_true")
    p.add_argument("--board", default=None, help="generate for this board's core")


@command("generate", "write <prefix>_model.h/.c and <prefix>_weights.c for a model")(_generate_args)
def _generate(a: argparse.Namespace) -> int:
    from codegen.boards import load_board
    from codegen.generate import GenerateOptions, generate
    from codegen.ops.base import Target
    target = load_board(a.board).core.target if a.board else Target()
    m, files = generate(a.model, a.out, target, GenerateOptions(prefix=a.prefix, int8_io=a.int8_io))
    for f in files.all:
        print(f)
    print(f"arena {m.arena_bytes} B, weights {m.weights_bytes} B, {m.macs} MACs, kernels: {', '.join(m.kernels)}")
    return 0


def _debug_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", type=Path)
    p.add_argument("--samples", type=int, default=3)
    p.add_argument("--seed", type=int, default=0)


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


def _bench_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("models", nargs="*", type=Path, help="default: every model in ../shared/models")
    p.add_argument("--out", type=Path, default=None, help="Markdown file (default: BENCHMARKS.md)")


@command("bench", "build and run the shared models on the emulated Cortex-M4/M7/M33/M55; write BENCHMARKS.md")(_bench_args)
def _bench(a: argparse.Namespace) -> int:
    from codegen.bench import REPO, main_bench
    main_bench(out_md=a.out or REPO / "BENCHMARKS.md", models=[m.resolve() for m in a.models] or None)
    return 0


def _prep_commands() -> None:
    """`quantize` and `compare` (codegen/prep/): model preparation and variants measured on a board."""
    from codegen.prep import commands as prep
    command("quantize", prep.QUANTIZE_HELP)(prep.quantize_args)(prep.quantize_run)
    command("compare", prep.COMPARE_HELP)(prep.compare_args)(prep.compare_run)


_prep_commands()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m codegen", description=__doc__)
    sub = parser.add_subparsers(dest="cmd", required=True)
    for name, (setup, _, help_text) in COMMANDS.items():
        setup(sub.add_parser(name, help=help_text, description=help_text))
    a = parser.parse_args(argv)
    try:
        return COMMANDS[a.cmd][1](a)
    except McuforgeError as exc:
        print(f"error: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  fix: {exc.hint}", file=sys.stderr)
        return 2
