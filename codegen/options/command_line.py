"""The ``scons`` command line: one table of options (name, accepted form, which commands take it,
help), parsed once into a :class:`CommandLine` of typed records; the same table writes ``scons -h``.

Everything that can be checked without building is checked here, all at once: unknown options
(with the closest known one), values not of their option's form, options the requested commands do
not take, unknown commands, files that do not exist, a ``sample=`` beyond its data file.
"""

from __future__ import annotations

import difflib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping, Sequence

from codegen.errors import McuforgeError
from codegen.export.formats import ExportFormat
from codegen.kernels import AUTO, KernelVariant
from codegen.options.records import (BuildOptions, Command, CompareJob, CompareOptions, ExportOptions,
                                     LinuxBenchOptions, MemoryMode, OptLevel, RunOptions, Runtime, TargetKind, TargetOptions,
                                     ValidateOptions, VariantSpec)
from codegen.options.values import Value, choice, flag, integer, number, path, text

DEFAULT_BOARD = "stm32l475"
MAX_N = 100_000
MAX_SAMPLES = 10_000_000

BUILDS = frozenset({Command.BUILD, Command.RUN, Command.TEST, Command.INSPECT})
BUILD = frozenset({Command.BUILD})
REACH = frozenset({Command.RUN, Command.TEST, Command.COMPARE})
FARM = REACH | {Command.BENCH}   # `bench place=NAME`: the benchmark on a farm's place
RUN = frozenset({Command.RUN})
TEST = frozenset({Command.TEST})
COMPARE = frozenset({Command.COMPARE})
BENCH = frozenset({Command.BENCH})     # with board= a Linux board: its runtimes side by side


@dataclass(frozen=True)
class Option:
    name: str
    value: Value
    commands: frozenset[Command]
    help: str
    example: str
    default: str = ""
    group: str = ""


def _stack() -> Value:
    base = integer(256, 1 << 20, "bytes, a multiple of 8,")

    def parse(t: str) -> int:
        v = base.parse(t)
        if v % 8:
            raise ValueError("not a multiple of 8 (the Cortex-M stack is 8-byte aligned)")
        return v
    return Value(base.form, parse)


def _kernels() -> Value:
    """auto (None: the core's variant) or a KernelVariant."""
    names = [AUTO, *(v.value for v in KernelVariant)]

    def parse(t: str) -> KernelVariant | None:
        if t.strip() == AUTO:
            return None
        try:
            return KernelVariant(t.strip())
        except ValueError:
            raise ValueError("not one of the choices") from None
    return Value("|".join(names), parse)


OPTIONS: tuple[Option, ...] = (
    # what to build
    Option("board", text("a board name"), BUILDS | COMPARE | BENCH, "the board: boards/NAME.toml (`python -m codegen boards` lists them)",
           "mps2-an386", DEFAULT_BOARD),
    Option("model", path((".tflite",), what="model file"), BUILDS | BENCH, "the model", "path/to/model.tflite", "models/digits_cnn.tflite"),
    Option("build_dir", path(must_exist=False, what="directory"), BUILDS | COMPARE | BENCH,
           "where builds go: BUILD_DIR/BOARD/MODEL-STEM/", "/tmp/builds", "build"),
    Option("int8_io", flag(), BUILDS | BENCH, "int8 model I/O: drop the boundary QUANTIZE/DEQUANTIZE and the float buffers",
           "1", "0"),
    Option("kernels", _kernels(), BUILDS | COMPARE | BENCH, "kernel variant (auto: mve on Helium cores, else dsp on cores with the DSP extension)",
           "reference", "auto"),
    Option("opt", choice(OptLevel), BUILDS | BENCH, "compiler optimisation flag", "-Os", "-O2"),
    Option("memory", choice(MemoryMode), BUILDS | BENCH,
           "RAM against speed: ram (run the first layers patch by patch as far as that lowers RAM, recomputing "
           "their halos), balanced (only when the model does not fit the board otherwise), speed (never)",
           "ram", "balanced"),
    Option("stack", _stack(), BUILDS | BENCH, "stack bytes reserved at the top of the main RAM", "8192", "4096"),
    Option("export", choice(ExportFormat), BUILD,
           "instead of firmware, the model as a library: BUILD_DIR/BOARD/MODEL-STEM/export-FORMAT/ (its README.md "
           "says how to call it)", "cmake"),
    # run
    Option("n", integer(1, MAX_N), RUN | COMPARE | BENCH, "timed inferences", "10", "10 (run, compare), 50 (bench)"),
    Option("input", path((".npy", ".npz"), what="input file"), RUN,
           "the input: .npy (one input) or .npz (x[, y]); default: the model's *.samples.npz, else random",
           "x.npy"),
    Option("sample", integer(0), RUN, "which row of input= (or of the model's *.samples.npz)", "3", "0"),
    Option("gpio_trace", flag(), RUN, "QEMU: count the timing pin's pulses in QEMU's GPIO trace", "1", "0"),
    Option("logic", flag(), RUN, "time the timing pin with the hardware map's logic analyzer (sigrok-cli)", "1", "0"),
    # test
    Option("samples", integer(1, MAX_SAMPLES), TEST | COMPARE | BENCH, "how many inputs to compare with TFLM",
           "100", "20 (test), 100 (compare), 10 (bench)"),
    Option("data", path((".npz", ".npy"), what="data file"), TEST | COMPARE | BENCH,
           "inputs: .npz with x (and labels y) or .npy; default (test): random inputs", "eval.npz"),
    Option("seed", integer(0, 2**32 - 1), TEST | BENCH, "seed of the random inputs", "1", "0"),
    # reaching the target
    Option("target", choice(TargetKind), REACH | BENCH,
           "where to run: auto (a board on USB, else QEMU), emulator, device, host, attach, labgrid (a farm's place)",
           "emulator", "auto"),
    Option("port", text("a serial port or URL"), REACH, "a real board's serial port or rfc2217://host:port",
           "/dev/ttyACM0"),
    Option("baud", integer(50, 20_000_000), REACH, "serial baud rate (default: the hardware map's, else the board's)",
           "115200"),
    Option("flash", flag(), REACH, "flash a real board before running (flash=0: it already runs this build)",
           "0", "1"),
    Option("upload", text("an upload protocol"), REACH, "flash tool: one of the board's [upload] protocols",
           "openocd"),
    Option("timeout", number(0.0, 86_400.0, "seconds"), REACH | BENCH, "seconds per request to the target", "60", "20"),
    Option("hwmap", path((".toml",), what="hardware map"), REACH | BENCH,
           "your hardware map (ports, logic analyzers, SSH to Linux boards)",
           "~/lab.toml", "$MCUFORGE_HWMAP or ~/.config/mcuforge/hardware-map.toml"),
    Option("place", text("a labgrid place name"), FARM,
           "target=labgrid: the place to acquire, flash and run on (place= alone implies target=labgrid; bench: the shared models on its board)", "lab-l475",
           "$LG_PLACE, else the hardware map's place for the board"),
    Option("coordinator", text("HOST[:PORT]"), FARM, "target=labgrid: the labgrid coordinator",
           "lab-server:20408", "$LG_COORDINATOR, else 127.0.0.1:20408"),
    # compare
    Option("variants", text("comma-separated PATH or NAME=PATH, then :int8io (int8 model I/O) and a row type "
                            ":original/:quantised/:pruned/:distilled"), COMPARE,
           "the models to compare", "f32=m_f32.tflite,int8=m_int8.tflite"),
    Option("out", path(must_exist=False, what="directory"), COMPARE, "where the comparison goes",
           "cmp", "BUILD_DIR/compare/BOARD"),
    Option("baseline", text("a variant name"), COMPARE, "the variant ratios refer to", "f32", "the first"),
    Option("title", text("text", allow_empty=True), COMPARE, "title of the table and plots", "'KWS on L4'"),
    # bench on a Linux board
    Option("runtimes", text("comma-separated mcuforge, litert, onnxruntime"), BENCH,
           "which runtimes to compare (default: mcuforge and LiteRT, ONNX Runtime with an ONNX model; mcuforge "
           "alone when emulated)", "mcuforge,litert"),
    Option("onnx", path((".onnx",), what="ONNX model"), BENCH,
           "the float or QDQ ONNX model for ONNX Runtime (default: the float model `quantize` recorded)", "model.onnx"),
    Option("warmup", integer(0, MAX_N), BENCH, "untimed runs before the timed ones", "10", "5"),
    Option("threads", integer(1, 256), BENCH, "LiteRT's and ONNX Runtime's threads (mcuforge's program has one)",
           "4", "1"),
)
BY_NAME: dict[str, Option] = {o.name: o for o in OPTIONS}
# the sections of `scons -h`: (title, the first option of the section)
SECTIONS = (("what to build (build, run, test, inspect)", "board"), ("run", "n"), ("test", "samples"),
            ("reaching the target (run, test, compare, bench)", "target"), ("compare", "variants"),
            ("bench with board= a Linux board", "runtimes"))

COMMAND_HELP: dict[Command, str] = {
    Command.BUILD: "generate, compile with PlatformIO -> report.json (the default)",
    Command.RUN: "... and run it: outputs, timing, memory -> run.json, report.md",
    Command.TEST: "... and compare `samples` inputs with the TFLM interpreter -> validate.json, junit.xml",
    Command.INSPECT: "what the generator makes of the model (no build)",
    Command.BENCH: "every shared model on the emulated M4/M7/M33/M55 -> BENCHMARKS.md; with place= on a farm's "
                   "place -> build/bench-PLACE.md; with board= a Linux board: mcuforge C vs LiteRT vs ONNX Runtime "
                   "there -> bench.md",
    Command.COMPARE: "variants of a model built, run and validated side by side -> compare.md",
}


@dataclass(frozen=True)
class CommandLine:
    """One ``scons`` invocation, parsed."""

    commands: tuple[Command, ...]      # in the order given; (BUILD,) when none was
    board: str
    model: Path
    build_dir: Path | None
    build: BuildOptions
    run: RunOptions
    validate: ValidateOptions
    compare: CompareJob | None
    export: ExportOptions | None = None  # export=FORMAT: a library instead of firmware
    bench: LinuxBenchOptions = LinuxBenchOptions()
    given: frozenset[str] = frozenset()  # the options given (bench without a Linux board takes none)

    def wants(self, command: Command) -> bool:
        return command in self.commands


def _closest(word: str, candidates: Sequence[str]) -> str | None:
    got = difflib.get_close_matches(word, list(candidates), n=1, cutoff=0.6)
    return got[0] if got else None


def _names(commands: Sequence[Command]) -> str:
    return " and ".join(f"`scons {c.value}`" if c != Command.BUILD else "a build" for c in commands)


def parse_commands(targets: Sequence[str]) -> tuple[Command, ...]:
    """The commands among SCons's targets; a path (a file to build) counts as a build."""
    known = [c.value for c in Command]
    out: list[Command] = []
    for t in targets:
        if t in known:
            out.append(Command(t))
        elif os.sep in t or "/" in t or t == "." or Path(t).exists():
            out.append(Command.BUILD)
        else:
            near = _closest(t, known)
            raise McuforgeError(f"unknown command `{t}`" + (f": did you mean `{near}`?" if near else ""),
                                hint="scons [" + "|".join(known) + "] OPTION=VALUE ... (scons -h lists them)")
    return tuple(dict.fromkeys(out)) or (Command.BUILD,)


def _problem_text(problems: list[McuforgeError]) -> McuforgeError:
    if len(problems) == 1:
        return problems[0]
    return McuforgeError(f"{len(problems)} problems on the command line:\n" + "\n".join(
        f"  - {p.message}" + (f" (fix: {p.hint})" if p.hint else "") for p in problems),
        hint="scons -h lists every option and its form")


def _check_names(args: Mapping[str, str], commands: tuple[Command, ...]) -> list[McuforgeError]:
    problems = []
    applicable = [o.name for o in OPTIONS if o.commands & set(commands)]
    for name, value in args.items():
        opt = BY_NAME.get(name)
        if opt is None:
            near = _closest(name, applicable) or _closest(name, list(BY_NAME))
            problems.append(McuforgeError(
                f"unknown option {name}={value}" + (f": did you mean {near}=?" if near else ""),
                hint=(f"{near}={value}" if near else "remove it") + "; scons -h lists the options"))
        elif not opt.commands & set(commands):
            near = _closest(name, applicable)
            takes = ", ".join(sorted(c.value for c in opt.commands))
            problems.append(McuforgeError(
                f"{name}= is not an option of {_names(commands)} (it goes with: {takes})",
                hint=(f"did you mean {near}=? ({BY_NAME[near].help})" if near else f"remove {name}=")))
    return problems


def parse_command_line(args: Mapping[str, str], targets: Sequence[str], default_model: Path) -> CommandLine:
    """The typed command line, or a McuforgeError naming every problem found (with its fix)."""
    commands = parse_commands(targets)
    problems = _check_names(args, commands)
    values: dict[str, Any] = {}
    for name, raw in args.items():
        opt = BY_NAME.get(name)
        if opt is None or not opt.commands & set(commands):
            continue
        try:
            values[name] = opt.value.parse(str(raw))
        except ValueError as exc:
            problems.append(McuforgeError(f"{name}={raw}: {exc}; {name}= takes {opt.value.form}",
                                          hint=f"e.g. {name}={opt.example}: {opt.help}"))
    if problems:
        raise _problem_text(problems)

    def given(*names: str, **renamed: str) -> dict[str, Any]:
        """The values given for `names` (keyword: option name -> record field); the records' own
        defaults stand for the rest."""
        fields = {n: n for n in names} | {option: f for f, option in renamed.items()}
        return {f: values[option] for option, f in fields.items() if option in values}

    if "coordinator" in values and "place" not in values and not set(commands) & REACH:
        raise McuforgeError("scons bench coordinator=: the benchmark goes to a labgrid place only with place=",
                            hint="scons bench place=NAME coordinator=HOST:PORT, or leave coordinator= out")
    reach = TargetOptions(**given("target", "port", "baud", "flash", "upload", "timeout", "hwmap", "place",
                                  "coordinator"))
    board = str(values.get("board", DEFAULT_BOARD))
    compare = None
    if Command.COMPARE in commands:
        if "variants" not in values or "data" not in values:
            raise McuforgeError("scons compare needs variants= and data=",
                                hint="scons compare variants=f32=m_f32.tflite,int8=m_int8.tflite data=test.npz")
        compare = CompareJob(
            variants=tuple(VariantSpec.parse(v) for v in str(values["variants"]).split(",") if v.strip()),
            data=values["data"], out=values.get("out"),
            options=CompareOptions(board=board, target=reach, **given("samples", "n", "kernels", "baseline", "title")))
    build_dir = values.get("build_dir")
    line = CommandLine(
        commands=commands, board=board, model=Path(values.get("model", default_model)).resolve(),
        build_dir=Path(build_dir).resolve() if build_dir else None,
        build=BuildOptions(**given("int8_io", "kernels", "opt", "memory", stack_size="stack")),
        run=RunOptions(target=reach, **given("n", "input", "sample", "gpio_trace", "logic")),
        validate=ValidateOptions(target=reach, **given("samples", "data", "seed")), compare=compare,
        # the export directory is scons's own (under the build directory): each export replaces the last
        export=ExportOptions(format=values["export"], force=True) if "export" in values else None,
        bench=LinuxBenchOptions(target=reach, runtimes=Runtime.parse_list(values["runtimes"]) if "runtimes" in values
                                else None, **given("n", "warmup", "samples", "data", "seed", "onnx", "threads"))
        if Command.BENCH in commands else LinuxBenchOptions(),
        given=frozenset(values))
    _cross_check(line)
    return line


def run_target_options(items: Sequence[str], where: str = "--run") -> TargetOptions:
    """`target_options` of `--run KEY=VALUE` arguments as typed (`compare`, `tune`)."""
    pairs = []
    for item in items:
        k, sep, v = item.partition("=")
        if not sep:
            raise McuforgeError(f"{where} {item}: expected KEY=VALUE", hint=f"e.g. {where} target=emulator")
        pairs.append((k, v))
    return target_options(pairs, where)


def target_options(pairs: Sequence[tuple[str, str]], where: str = "--run") -> TargetOptions:
    """Options for reaching the target from KEY=VALUE pairs (`compare --run target=emulator`), checked
    against the same table as the scons command line."""
    keys = [o.name for o in OPTIONS if REACH <= o.commands]
    values: dict[str, Any] = {}
    for k, raw in pairs:
        opt = BY_NAME.get(k)
        if opt is None or k not in keys:
            near = _closest(k, keys)
            raise McuforgeError(f"{where} {k}={raw}: not an option for reaching the target"
                                + (f"; did you mean {near}=?" if near else ""),
                                hint=f"{where} KEY=VALUE with KEY one of {', '.join(keys)}")
        try:
            values[k] = opt.value.parse(raw)
        except ValueError as exc:
            raise McuforgeError(f"{where} {k}={raw}: {exc}; {k}= takes {opt.value.form}",
                                hint=f"e.g. {where} {k}={opt.example}") from None
    return TargetOptions(**values)


def _cross_check(line: CommandLine) -> None:
    """What one option says about another: checked before any build."""
    from codegen.inputs import samples_file, sample_rows
    if not line.model.is_file() and set(line.commands) & BUILDS:
        raise McuforgeError(f"model file not found: {line.model}", hint="pass model=PATH to a .tflite file")
    run = line.run
    if line.wants(Command.RUN):
        if run.gpio_trace and run.target.target in (TargetKind.DEVICE, TargetKind.ATTACH, TargetKind.HOST):
            raise McuforgeError(f"gpio_trace=1 reads QEMU's GPIO trace; target={run.target.target} is not QEMU",
                                hint="target=emulator (or auto), or logic=1 for a logic analyzer on a real board")
        if run.sample is not None:
            source, option = (run.input, "input=") if run.input is not None else (samples_file(line.model), None)
            if run.input is None and not source.is_file():
                raise McuforgeError(f"sample={run.sample}: {line.model.name} has no sample file ({source.name})",
                                    hint="give input=FILE.npz sample=K, or leave sample= out for a random input")
            rows = sample_rows(source, option or "sample file")
            if run.sample >= rows:
                raise McuforgeError(f"sample={run.sample}: {source.name} holds {rows} samples (0..{rows - 1})",
                                    hint=f"give sample=K with K < {rows}")
        elif run.input is not None:
            sample_rows(run.input, "input=")  # readable, numeric, not empty: checked now


def help_text() -> str:
    """``scons -h``: the commands and the option table."""
    lines = ["mcuforge: scons [COMMAND ...] [OPTION=VALUE ...]", "", "Commands:"]
    for c in Command:
        lines.append(f"  {c.value:<10} {COMMAND_HELP[c]}")
    starts = {first: title for title, first in SECTIONS}
    for o in OPTIONS:
        if o.name in starts:
            lines += ["", f"Options: {starts[o.name]}"]
        takes = ", ".join(c.value for c in Command if c in o.commands)
        default = f"; default {o.default}" if o.default else ""
        lines.append(f"  {o.name}=<{o.value.form}>")
        lines.append(f"      {o.help} [{takes}{default}]")
    lines += ["", "An unknown option, a value not of its option's form, or an option the requested command does",
              "not take is refused before anything is built.", ""]
    return "\n".join(lines)


def options_markdown() -> str:
    """The option table as Markdown (README.md shows it; a test keeps the two equal)."""
    rows = ["| option | accepts | default | commands | what |", "|---|---|---|---|---|"]
    for o in OPTIONS:
        takes = ", ".join(c.value for c in Command if c in o.commands)
        default = f"`{o.default}`" if o.default else "-"
        rows.append(f"| `{o.name}=` | {o.value.form.replace('|', chr(92) + '|')} | {default} | {takes} | {o.help} |")
    return "\n".join(rows)
