"""The records of `bench` on a Linux board (its options, :class:`~codegen.options.records.LinuxBenchOptions`,
are parsed at the front door): what each runtime measured (:class:`RuntimeResult`: latency, peak RSS,
perf counters, agreement with TFLM) in one :class:`BenchResult` (bench.json)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from codegen.options.records import Runtime
from codegen.run import Stats


@dataclass(frozen=True)
class Agreement:
    """A runtime's outputs against TFLM's on the same inputs."""

    samples: int
    exact_samples: int          # samples whose every output equals TFLM's exactly
    max_abs_diff: float         # in real (dequantised) units
    top1_agree: int             # samples whose output-0 argmax equals TFLM's

    @property
    def bit_exact(self) -> bool:
        return self.samples > 0 and self.exact_samples == self.samples

    def describe(self) -> str:
        if self.bit_exact:
            return f"bit-exact ({self.samples}/{self.samples})"
        return (f"max abs diff {self.max_abs_diff:.3g}, {self.exact_samples}/{self.samples} exact, "
                f"top-1 {self.top1_agree}/{self.samples}")


@dataclass(frozen=True)
class Counters:
    """`perf stat` per inference, or why there are none."""

    cycles: float | None = None
    instructions: float | None = None
    note: str = ""

    def describe(self) -> str:
        if self.cycles is None and self.instructions is None:
            return self.note
        parts = [f"{v:,.0f} {k}" for k, v in (("cycles", self.cycles), ("instructions", self.instructions))
                 if v is not None]
        return ", ".join(parts)


@dataclass(frozen=True)
class RuntimeResult:
    runtime: Runtime
    version: str
    model: str                         # the file it ran
    n: int
    warmup: int
    latency_us: Stats
    peak_rss_bytes: int | None
    agreement: Agreement
    counters: Counters
    baseline_rss_bytes: int | None = None  # the Python interpreter with numpy, before the runtime

    @property
    def title(self) -> str:
        return self.runtime.title


@dataclass(frozen=True)
class BenchResult:
    board: str
    perf: str                          # `perf stat` on the board: "counted", "not supported", "emulated"
    model: str
    target: str                        # where it ran ("a process on pi@rpi4", "QEMU user mode ... (emulated)")
    emulated: bool
    timing: str                        # how latency was taken (labelled when emulated)
    inputs: str
    samples: int
    results: tuple[RuntimeResult, ...]
    threads: int = 1

    def as_json(self) -> dict:
        d = asdict(self)
        d["results"] = [asdict(r) | {"title": r.title} for r in self.results]
        return d

    @staticmethod
    def from_json(d: dict) -> "BenchResult":
        rows = tuple(RuntimeResult(
            runtime=Runtime(r["runtime"]), version=r["version"], model=r["model"], n=r["n"], warmup=r["warmup"],
            latency_us=Stats(**r["latency_us"]), peak_rss_bytes=r["peak_rss_bytes"],
            agreement=Agreement(**r["agreement"]), counters=Counters(**r["counters"]),
            baseline_rss_bytes=r.get("baseline_rss_bytes")) for r in d["results"])
        return BenchResult(board=d["board"], perf=d["perf"], model=d["model"], target=d["target"], emulated=d["emulated"],
                           timing=d["timing"], inputs=d["inputs"], samples=d["samples"], results=rows,
                           threads=d.get("threads", 1))
