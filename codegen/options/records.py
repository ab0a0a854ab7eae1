"""The typed options every front door (``scons``, ``python -m codegen``, the pytest plugin) parses its
command line into, once; the library below takes these records, never an argument dictionary.

A value that is one of a set is an enum (``StrEnum``: it prints and compares as its text, so it
reaches JSON, file names and compiler flags unchanged); the kernel variant is
:class:`codegen.kernels.KernelVariant`, ``None`` standing for ``kernels=auto`` (the core's variant).
Building a record from strings goes through ``__post_init__``: an unknown kernel variant or
optimisation level, a count below its minimum, is refused there too, whoever builds the record.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from codegen.errors import McuforgeError
from codegen.export.formats import ExportFormat
from codegen.hil.records import TargetKind
from codegen.kernels import KernelVariant, kernel_choice
from codegen.origin import VariantKind
from codegen.planner.patches import MemoryMode

if TYPE_CHECKING:
    from codegen.tune.records import Limit


class OptLevel(enum.StrEnum):
    """The compiler's optimisation flag."""

    O0 = "-O0"
    O1 = "-O1"
    O2 = "-O2"
    O3 = "-O3"
    OS = "-Os"
    OG = "-Og"
    OZ = "-Oz"


class Command(enum.StrEnum):
    """What ``scons`` is asked to do (its command-line targets)."""

    BUILD = "build"          # generate, compile, report.json (also: no target at all)
    RUN = "run"
    TEST = "test"
    INSPECT = "inspect"
    BENCH = "bench"
    COMPARE = "compare"


def _coerce(value: object, kind: type[enum.StrEnum], option: str) -> enum.StrEnum:
    try:
        return kind(value)
    except ValueError:
        raise McuforgeError(f"{option}={value}: not one of {', '.join(k.value for k in kind)}",
                            hint=f"give {option}=" + "|".join(k.value for k in kind)) from None


def _kernels(value: object) -> KernelVariant | None:
    """`kernels=`: a KernelVariant, or None for auto; strings ("auto", "dsp") are read as the user's."""
    if value is None or isinstance(value, KernelVariant):
        return value
    return kernel_choice(str(value))


def _at_least(value: float, lo: float, option: str, what: str) -> None:
    if value < lo:
        raise McuforgeError(f"{option}={value}: {what} must be at least {lo:g}", hint=f"give {option}= >= {lo:g}")


@dataclass(frozen=True)
class BuildOptions:
    """How a model is generated and compiled for a board."""

    int8_io: bool = False
    opt: OptLevel = OptLevel.O2
    kernels: KernelVariant | None = None  # None: the core's default variant (codegen.kernels)
    stack_size: int = 4096
    prefix: str | None = None          # symbol prefix (default: from the model's file name)
    memory: MemoryMode = MemoryMode.BALANCED  # patch-based inference: RAM against recomputed MACs

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernels", _kernels(self.kernels))
        object.__setattr__(self, "opt", _coerce(self.opt, OptLevel, "opt"))
        object.__setattr__(self, "memory", _coerce(self.memory, MemoryMode, "memory"))
        _at_least(self.stack_size, 0, "stack", "the stack size")

    def variant_suffix(self) -> str:
        """What the build directory's name adds to the model's stem: `-int8io-dsp-O3`."""
        parts = []
        if self.int8_io:
            parts.append("int8io")
        if self.kernels is not None:
            parts.append(self.kernels.value)
        if self.opt != OptLevel.O2:
            parts.append(self.opt.value.lstrip("-"))
        if self.memory != MemoryMode.BALANCED:
            parts.append(f"mem{self.memory.value}")
        return ("-" + "-".join(parts)) if parts else ""


@dataclass(frozen=True)
class ExportOptions:
    """``export``: the model as a library (how it is generated is the BuildOptions beside it)."""

    format: ExportFormat
    force: bool = False                # replace an earlier export in the destination

    def __post_init__(self) -> None:
        object.__setattr__(self, "format", _coerce(self.format, ExportFormat, "export"))


@dataclass(frozen=True)
class TargetOptions:
    """How to reach the target a run, a test or a comparison uses."""

    target: TargetKind = TargetKind.AUTO
    port: str | None = None            # serial port or URL: /dev/ttyACM0, rfc2217://host:port
    baud: int | None = None            # default: the hardware map's, else the board's console baud
    flash: bool = True                 # flash a real board before running
    upload: str | None = None          # one of the board's [upload] protocols (default: its protocol)
    timeout: float = 20.0              # seconds per request
    hwmap: Path | None = None          # the user's hardware map (default: $MCUFORGE_HWMAP, ~/.config/...)
    place: str | None = None           # target=labgrid: the labgrid place (default: $LG_PLACE, the hardware map's)
    coordinator: str | None = None     # the labgrid coordinator HOST[:PORT] (default: $LG_COORDINATOR, 127.0.0.1:20408)

    def __post_init__(self) -> None:
        object.__setattr__(self, "target", _coerce(self.target, TargetKind, "target"))
        if self.place is not None and self.target == TargetKind.AUTO:
            object.__setattr__(self, "target", TargetKind.LABGRID)  # a place is a farm's: place= alone says so
        if (self.place is not None or self.coordinator is not None) and self.target != TargetKind.LABGRID:
            given = "place=" if self.place is not None else "coordinator="
            raise McuforgeError(f"{given} is for labgrid places; target={self.target} does not use it",
                                hint=f"target=labgrid {given}..., or leave {given} out")
        if not self.timeout > 0:
            raise McuforgeError(f"timeout={self.timeout}: seconds per request must be > 0", hint="give timeout=20")


@dataclass(frozen=True)
class RunOptions:
    """``run``: timed inferences of one input on the target."""

    target: TargetOptions = field(default_factory=TargetOptions)
    n: int = 10                        # timed inferences
    input: Path | None = None          # .npy (one input) or .npz (x, optional y)
    sample: int | None = None          # the row of input= (or of the model's *.samples.npz); default 0
    gpio_trace: bool = False           # QEMU: the timing pin's pulses from QEMU's GPIO trace
    logic: bool = False                # a logic analyzer (hardware map) on the timing pin

    def __post_init__(self) -> None:
        _at_least(self.n, 1, "n", "the number of timed inferences")
        if self.sample is not None:
            _at_least(self.sample, 0, "sample", "a sample index")


@dataclass(frozen=True)
class ValidateOptions:
    """``test``: samples run on the target and compared with TFLM."""

    target: TargetOptions = field(default_factory=TargetOptions)
    samples: int = 20
    data: Path | None = None           # .npz (x, optional y) or .npy; default: random inputs
    seed: int = 0                      # for random inputs

    def __post_init__(self) -> None:
        _at_least(self.samples, 1, "samples", "the number of samples")
        _at_least(self.seed, 0, "seed", "the seed")


@dataclass(frozen=True)
class VariantSpec:
    """One model in a comparison: ``PATH`` or ``NAME=PATH``, then optionally ``:int8io`` (int8 model I/O)
    and the row type ``:original``, ``:quantised``, ``:pruned`` or ``:distilled`` (default: what the
    model's sidecar records, see :class:`codegen.origin.VariantKind`)."""

    name: str
    model: Path
    int8_io: bool = False
    kind: VariantKind | None = None

    @staticmethod
    def parse(text: str) -> "VariantSpec":
        int8_io, kind = False, None
        while True:
            head, sep, tail = text.rpartition(":")
            if not sep or "/" in tail or "=" in tail or "." in tail:
                break
            if tail == "int8io":
                int8_io = True
            else:
                kind = VariantKind.parse(tail)
            text = head
        name, sep, path = text.partition("=")
        p = Path(path if sep else text)
        if not str(p) or str(p) == ".":
            raise McuforgeError(f"variant {text!r}: no model path", hint="give PATH or NAME=PATH to a .tflite")
        return VariantSpec(name=name if sep else p.stem, model=p, int8_io=int8_io, kind=kind)


@dataclass(frozen=True)
class CompareOptions:
    """``compare``: variants of one model built, run and validated on one board."""

    board: str = "stm32l475"
    samples: int = 100                 # evaluation samples validated per variant
    n: int = 10                        # timed inferences in the latency run
    kernels: KernelVariant | None = None
    baseline: str | None = None        # the variant ratios refer to (default: the first)
    title: str = ""
    target: TargetOptions = field(default_factory=TargetOptions)

    def __post_init__(self) -> None:
        object.__setattr__(self, "kernels", _kernels(self.kernels))
        _at_least(self.samples, 1, "samples", "the number of evaluation samples")
        _at_least(self.n, 1, "n", "the number of timed inferences")


@dataclass(frozen=True)
class CompareJob:
    """What ``scons compare`` / ``python -m codegen compare`` asks for."""

    variants: tuple[VariantSpec, ...]
    data: Path
    out: Path | None = None            # default: <build root>/compare/<board>
    options: CompareOptions = field(default_factory=CompareOptions)


@dataclass(frozen=True)
class TuneJob:
    """What ``python -m codegen tune`` asks for: a study to run (or resume) and/or a trial to export."""

    study: Path                        # the study directory: tune.json, the report, trials/, study.db
    space: Path | None = None          # None: only --export from an existing tune.json
    data: Path | None = None
    val: Path | None = None
    board: str = "stm32l475"
    teacher: Path | None = None
    budget: tuple["Limit", ...] = ()   # --budget (the board's flash and RAM apply anyway)
    trials: int = 20                   # finished trials the study ends with
    storage: str | None = None         # database URL (default: sqlite:///STUDY/study.db)
    study_name: str | None = None      # default: the space file's stem
    export: str | None = None          # a trial number or "best"
    out: Path | None = None            # where --export writes (default: STUDY/export)
    target: TargetOptions = field(default_factory=TargetOptions)

    def __post_init__(self) -> None:
        _at_least(self.trials, 1, "--trials", "the number of trials")
        if self.space is not None and (self.data is None or self.val is None):
            raise McuforgeError("--space goes with --data TRAIN.npz and --val VAL.npz",
                                hint="give the training and the validation set (x, y)")
        if self.space is None and self.export is None:
            raise McuforgeError("nothing to do: give --space SPACE.toml --data TRAIN.npz --val VAL.npz to run a "
                                "study, or --export BEST to export from one", hint="python -m codegen tune --help")


class Runtime(enum.StrEnum):
    MCUFORGE = "mcuforge"
    LITERT = "litert"
    ONNXRUNTIME = "onnxruntime"

    @property
    def title(self) -> str:
        return TITLES[self]

    @classmethod
    def parse_list(cls, text: str) -> tuple["Runtime", ...]:
        out = []
        for word in (w.strip() for w in text.split(",") if w.strip()):
            try:
                out.append(cls(word))
            except ValueError:
                raise McuforgeError(f"runtimes={text}: unknown runtime {word!r}",
                                    hint="runtimes= takes a comma-separated list of " + ", ".join(cls)) from None
        if not out:
            raise McuforgeError("runtimes= is empty", hint="runtimes=mcuforge,litert,onnxruntime")
        return tuple(dict.fromkeys(out))


TITLES = {Runtime.MCUFORGE: "mcuforge C", Runtime.LITERT: "LiteRT", Runtime.ONNXRUNTIME: "ONNX Runtime"}


@dataclass(frozen=True)
class LinuxBenchOptions:
    """``bench`` on a Linux board: mcuforge's C, LiteRT and ONNX Runtime side by side there."""

    n: int = 50                            # timed runs of one input
    warmup: int = 5                        # untimed runs before them
    samples: int = 10                      # inputs whose outputs are compared with TFLM
    data: Path | None = None               # .npz (x) / .npy; default: the model's *.samples.npz, else random
    seed: int = 0
    runtimes: tuple[Runtime, ...] | None = None  # None: every runtime that applies
    onnx: Path | None = None               # the ONNX model for ONNX Runtime; default: the recorded float reference
    threads: int = 1                       # LiteRT's / ONNX Runtime's threads (mcuforge's C is single-threaded)
    target: TargetOptions = field(default_factory=TargetOptions)

    def __post_init__(self) -> None:
        for name, lo in (("n", 1), ("warmup", 0), ("samples", 1), ("threads", 1)):
            if getattr(self, name) < lo:
                raise McuforgeError(f"{name}={getattr(self, name)}: must be at least {lo}", hint=f"give {name}= >= {lo}")
