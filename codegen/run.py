"""`run`: put a built firmware on its target, feed it an input, and bring back outputs, timing and
memory use (`run.json` beside the build, and the report: `codegen.reports.run_report`).

The result is a :class:`RunResult` (frozen). A run that fails part-way (a fault, a hung target,
garbage on the line) still produces one, with what was gathered before the failure and a
:class:`RunFailure` naming the reason; :func:`run_firmware` raises :class:`RunFailed` carrying it, so
the caller writes `run.json` and the report before exiting non-zero.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from codegen.boards import Board
from codegen.cycles.costs import CostTable, cost_table
from codegen.cycles.counts import Window
from codegen.cycles.estimate import LABEL, CycleModel, FunctionEstimate, functions, spans, timed_windows
from codegen.cycles.plugin import Probe, WindowReader, probe_for
from codegen.errors import McuforgeError
from codegen.files import write_text_atomic
from codegen.hil.records import CountUnit, RunRequest, Session, Stopped
from codegen.hil.dut import Device, DeviceError, DeviceFault, DeviceGone, DeviceTimeout, Exchange, LinkError
from codegen.hil.gpio import PinTiming, trace_timing
from codegen.hil.protocol import DeviceInfo
from codegen.hil.sigrok import Capture, LogicAnalyzer, read_edges
from codegen.inputs import fit, read_data, samples_file, source_layout
from codegen.lowering import IOTensor
from codegen.options import RunOptions, TargetKind, TargetOptions
from codegen.origin import TensorLayout
from codegen.peakram import PeakRam
from codegen.reference import random_inputs

if TYPE_CHECKING:
    from codegen.pio.project import Project


@dataclass(frozen=True)
class InputSource:
    arrays: tuple[np.ndarray, ...]
    description: str
    label: int | None = None


@dataclass(frozen=True)
class Stats:
    p50: float
    p90: float
    p99: float
    max: float
    min: float
    mean: float

    @staticmethod
    def of(values: Sequence[float]) -> "Stats | None":
        if not len(values):
            return None
        a = np.asarray(values, dtype=np.float64)
        return Stats(p50=float(np.percentile(a, 50)), p90=float(np.percentile(a, 90)),
                     p99=float(np.percentile(a, 99)), max=float(a.max()), min=float(a.min()), mean=float(a.mean()))


@dataclass(frozen=True)
class Layer:
    """One scheduled operator (what `profile` times, by its `run_op` index)."""

    op: str        # CONV_2D
    summary: str   # int8[1x8x8x1] -> int8[1x8x8x8]
    macs: int


@dataclass(frozen=True)
class LayerTime:
    index: int
    op: str
    summary: str
    macs: int
    count: int     # counter ticks
    value: float   # in the run's unit (instructions, cycles, ns)
    estimated_cycles: float | None = None  # an estimate (instruction classes x the core's timings), QEMU only


@dataclass(frozen=True)
class Memory:
    """The build's sizes (report.json), beside the run."""

    flash_bytes: int | None = None
    ram_bytes: int | None = None
    arena_bytes: int | None = None
    code_bytes: int | None = None
    weights_bytes: int | None = None
    flash_budget: int | None = None
    ram_budget: int | None = None
    scratch_bytes: int | None = None
    state_bytes: int | None = None
    harness_ram_bytes: int | None = None


# DeviceSummary is shaped like Stats above and report.RegionUse (`duplicates` pairs): records of
# unrelated fields, kept apart.
@dataclass(frozen=True)
class DeviceSummary:
    firmware: str
    counter: str
    counter_hz: int
    cpu_hz: int
    arena: int
    model: str
    sha256: str
    ops: int = 0


@dataclass(frozen=True)
class LinkSummary:
    frames_sent: int = 0
    retries: int = 0
    bad_frames: int = 0


@dataclass(frozen=True)
class RunFailure:
    kind: str                   # fault | timeout | link | device | gone | interrupted | error
    message: str
    fault_kind: str | None = None          # hardfault, busfault, ... (kind == "fault")
    registers: dict[str, int] = field(default_factory=dict)
    location: str | None = None            # pc as function+offset, from the ELF
    target_log: str = ""                   # the emulator's / process's stderr tail
    ended: str = ""                        # how the target ended: "exited with status 0", "killed by SIGKILL"
    exit_code: int | None = None           # the QEMU or host process's exit status (None: not a process)
    signal: str | None = None              # the signal that ended it (SIGKILL, SIGSEGV, ...)


def ending(stopped: Stopped) -> tuple[str, int | None, str | None]:
    """(how the target ended, in words; its exit status; the name of the signal that ended it)."""
    from codegen.hil.strategy import ended
    code = stopped.exit_code
    if code is not None and code < 0:
        return ended(stopped), None, ended(stopped).removeprefix("killed by ")
    return ended(stopped), code, None


@dataclass(frozen=True)
class StateStep:
    source: str
    target: str
    seconds: float
    note: str


@dataclass(frozen=True)
class CycleEstimate:
    """Estimated cycles per inference under QEMU: every executed instruction counted by class (the
    plugin in tools/qemu-plugin) and weighted by the core's timing table (boards/timing/). An
    estimate of the cycles on the real core with zero-wait-state memory, never a measurement."""

    label: str                              # "estimate"
    table: str                              # the timing table (core)
    title: str
    file: str
    ignores: tuple[str, ...]                # what the estimate leaves out
    per_inference: Stats                    # estimated cycles
    latency_us: Stats | None                # estimated cycles at the board's clock
    clock_hz: int
    instructions: Stats                     # exact, as the plugin counted them (= the counter's, within a tick)
    classes: dict[str, int] = field(default_factory=dict)     # one inference, by class and event
    functions: tuple[FunctionEstimate, ...] = ()                # where its estimated cycles go, most first

    @staticmethod
    def from_json(d: dict) -> "CycleEstimate":
        lat = d.get("latency_us")
        return CycleEstimate(label=d["label"], table=d["table"], title=d["title"], file=d["file"],
                             ignores=tuple(d["ignores"]), per_inference=Stats(**d["per_inference"]),
                             latency_us=Stats(**lat) if lat else None, clock_hz=d["clock_hz"],
                             instructions=Stats(**d["instructions"]), classes=dict(d.get("classes", {})),
                             functions=tuple(FunctionEstimate(**f) for f in d.get("functions", ())))


UNIT_KEYS = {"instructions": "instructions_per_inference", "cycles": "cycles_per_inference",
             "ns": "ns_per_inference"}


@dataclass(frozen=True)
class RunResult:
    board: str
    target: str = ""
    driver: str = ""
    model: str = ""
    device: DeviceSummary | None = None
    input: str = ""
    label: int | None = None
    n: int = 0
    counts: tuple[int, ...] = ()
    unit: str = ""
    per_tick: float = 0.0                # `unit`s per counter tick
    clock_hz: int = 0                    # `unit`s per second (0: no time base)
    latency_basis: str = ""
    per_inference: Stats | None = None   # in `unit`
    latency_us: Stats | None = None
    outputs: tuple[Any, ...] = ()        # nested lists, one per output
    outputs_dequantized: tuple[Any, ...] = ()
    profile: tuple[LayerTime, ...] = ()
    stack_used_bytes: int | None = None
    stack_size_bytes: int | None = None
    peak_rss_bytes: int | None = None    # a program under an OS (Linux boards): its peak resident set
    link: LinkSummary = LinkSummary()
    memory: Memory | None = None
    peak_ram: PeakRam | None = None      # the model's RAM with the stack this run measured (codegen/peakram.py)
    pin: PinTiming | None = None
    estimated_cycles: CycleEstimate | None = None  # QEMU with a timing table for the core
    states: tuple[StateStep, ...] = ()
    failure: RunFailure | None = None

    @property
    def complete(self) -> bool:
        return self.failure is None

    def values(self) -> list[float]:
        """Per-inference latency in `unit`."""
        return [c * self.per_tick for c in self.counts]

    def micros(self) -> list[float]:
        """Per-inference latency in microseconds ([] without a time base)."""
        if self.unit == "ns":
            return [c / 1000.0 for c in self.counts]
        return [c * self.per_tick / self.clock_hz * 1e6 for c in self.counts] if self.clock_hz else []

    def to_json(self) -> dict:
        d: dict[str, Any] = {}
        for f in fields(self):
            v = getattr(self, f.name)
            d[f.name] = asdict(v) if hasattr(v, "__dataclass_fields__") else v
        d["counts"] = list(self.counts)
        d["outputs"], d["outputs_dequantized"] = list(self.outputs), list(self.outputs_dequantized)
        d["profile"] = [asdict(p) for p in self.profile]
        d["states"] = [asdict(s) for s in self.states]
        d["peak_ram"] = self.peak_ram.to_json() if self.peak_ram is not None else None
        d["peak_ram_bytes"] = self.peak_ram.total if self.peak_ram is not None else None
        d["complete"] = self.complete
        if self.unit in UNIT_KEYS:
            d[UNIT_KEYS[self.unit]] = d["per_inference"]
        est = d["estimated_cycles"]
        d["estimated_cycles_per_inference"] = est["per_inference"] if est else None
        d["estimated_latency_us"] = est["latency_us"] if est else None
        return d

    @staticmethod
    def from_json(d: dict) -> "RunResult":
        def sub(cls, v):
            return None if v is None else cls(**{k: v[k] for k in v if k in cls.__dataclass_fields__})
        return RunResult(
            board=d["board"], target=d.get("target", ""), driver=d.get("driver", ""), model=d.get("model", ""),
            device=sub(DeviceSummary, d.get("device")), input=d.get("input", ""), label=d.get("label"),
            n=d.get("n", 0), counts=tuple(d.get("counts", ())), unit=d.get("unit", ""),
            per_tick=d.get("per_tick", 0.0), clock_hz=d.get("clock_hz", 0),
            latency_basis=d.get("latency_basis", ""), per_inference=sub(Stats, d.get("per_inference")),
            latency_us=sub(Stats, d.get("latency_us")), outputs=tuple(d.get("outputs", ())),
            outputs_dequantized=tuple(d.get("outputs_dequantized", ())),
            profile=tuple(LayerTime(**p) for p in d.get("profile", ()) if isinstance(p, dict)),
            stack_used_bytes=d.get("stack_used_bytes"), stack_size_bytes=d.get("stack_size_bytes"),
            peak_rss_bytes=d.get("peak_rss_bytes"),
            link=sub(LinkSummary, d.get("link")) or LinkSummary(), memory=sub(Memory, d.get("memory")),
            peak_ram=PeakRam.from_json(d["peak_ram"]) if d.get("peak_ram") else None,
            pin=_pin_from(d.get("pin")),
            estimated_cycles=CycleEstimate.from_json(d["estimated_cycles"]) if d.get("estimated_cycles") else None,
            states=tuple(StateStep(**s) for s in d.get("states", ())),
            failure=sub(RunFailure, d.get("failure")))


def _pin_from(v: dict | None) -> PinTiming | None:
    if v is None:
        return None
    return PinTiming(**{**v, "widths_us": tuple(v.get("widths_us", ()))})


class RunFailed(McuforgeError):
    """A run that stopped part-way; `result` holds what it gathered and why it failed."""

    def __init__(self, result: RunResult, cause: McuforgeError | None) -> None:
        f = result.failure
        assert f is not None
        super().__init__(f"the run on {result.board} failed ({f.kind}): {f.message}",
                         hint=cause.hint if cause is not None and cause.hint else "see run.failed.json")
        self.result = result


# --- inputs and outputs ------------------------------------------------------------------------------

def file_input(path: Path, inputs: tuple[IOTensor, ...], index: int | None, option: str,
               layout: TensorLayout | None = None) -> InputSource:
    """Row `index` (default 0) of a data file, checked against and converted to the model's input
    (`layout`: the data are in the source model's layout, see codegen.inputs.source_layout)."""
    if len(inputs) != 1:
        raise McuforgeError(f"{option}{path.name}: data files feed single-input models only "
                            f"(this one has {len(inputs)} inputs)", hint="leave it out: random inputs")
    ds = read_data(path, option)
    xs = fit(ds, inputs[0], option, layout)
    k = 0 if index is None else index
    if k >= len(xs):
        raise McuforgeError(f"sample={k}: {ds.source} holds {len(xs)} samples (0..{len(xs) - 1})",
                            hint=f"give sample=K with K < {len(xs)}")
    label = int(ds.y[k]) if ds.y is not None else None
    return InputSource((xs[k],), f"{ds.source} sample #{k}" if len(xs) > 1 or index is not None else ds.source,
                       label)


def default_inputs(model: Path, inputs: tuple[IOTensor, ...], index: int | None = None, seed: int = 0) -> InputSource:
    """The model's `*.samples.npz` row `index` (default 0) when it has one, else a random input."""
    f = samples_file(model)
    if f.is_file() and len(inputs) == 1:
        return file_input(f, inputs, index, "sample file ")
    if index is not None:
        raise McuforgeError(f"sample={index}: {Path(model).name} has no sample file ({f.name})",
                            hint="give input=FILE.npz sample=K, or leave sample= out for a random input")
    rng = np.random.default_rng(seed)
    return InputSource(tuple(random_inputs(inputs, rng)), f"random input (seed {seed})")


def run_inputs(project: "Project", options: RunOptions) -> InputSource:
    """`input=`/`sample=`, else the model's sample file, else random."""
    m = project.compiled
    if options.input is not None:
        return file_input(options.input, m.inputs, options.sample, "input=", source_layout(project.model_path))
    return default_inputs(project.model_path, m.inputs, index=options.sample)


def request_for(options: TargetOptions, board: Board, gpio_trace: Path | None = None) -> RunRequest:
    """The run request: target=, port=, baud=, flash=, upload=, timeout=, place=, coordinator=, and the
    user's hardware map (its port, baud, USB serial number and probe for this board unless given; the place
    that holds it for target=labgrid; a Linux board's SSH entry); `gpio_trace` logs the timing pin (QEMU)."""
    port, baud, ssh, usb_serial, probe = options.port, options.baud, None, None, None
    place, place_board = options.place, None
    reach = (TargetKind.AUTO, TargetKind.DEVICE, TargetKind.ATTACH, TargetKind.LABGRID)
    if board.linux is not None:  # a Linux board: the hardware map says how to reach it over SSH
        from codegen.hil.hwmap import load_hardware_map
        entry = load_hardware_map(options.hwmap).entry(board.name)
        ssh = entry.ssh if entry is not None else None
    elif options.target in reach:
        from codegen.hil.hwmap import load_hardware_map
        hw = load_hardware_map(options.hwmap)
        entry = hw.entry(board.name)
        if options.target == TargetKind.LABGRID:
            if place is None and entry is not None:
                place = entry.place
            place_board = hw.board_of_place(place) if place else None
        elif entry is not None:
            port, baud = port or entry.port, baud or entry.baud
            usb_serial = entry.usb_serial if options.port is None else None
            probe = entry.probe
    return RunRequest(target=options.target, port=port, baud=baud, flash=options.flash, timeout=options.timeout,
                      upload_protocol=options.upload, gpio_trace=gpio_trace, record=gpio_trace is not None,
                      usb_serial=usb_serial, probe=probe, place=place, coordinator=options.coordinator,
                      place_board=place_board, ssh=ssh)


def to_units(counts: Sequence[int], unit: CountUnit) -> list[float]:
    return [c * unit.per_tick for c in counts]


def latency_us(counts: Sequence[int], unit: CountUnit) -> Stats | None:
    if unit.name == "ns":
        return Stats.of([c / 1000.0 for c in counts])
    if not unit.clock_hz:
        return None
    return Stats.of([c * unit.per_tick / unit.clock_hz * 1e6 for c in counts])


def load_inputs(dev: Device, xs: tuple[np.ndarray, ...]) -> None:
    for k, x in enumerate(xs):
        dev.load(k, np.ascontiguousarray(x).tobytes())


def read_outputs(dev: Device, info: DeviceInfo, outputs: tuple[IOTensor, ...]) -> list[np.ndarray]:
    out = []
    for k, t in enumerate(outputs):
        raw = dev.results(k, t.nbytes)
        out.append(np.frombuffer(raw, dtype=t.dtype.np).reshape(t.shape).copy())
    _ = info
    return out


def infer_timeout(macs: int, n: int, base: float) -> float:
    # generous: reference kernels under QEMU, ~30 instructions per MAC at >= 20 M instructions/s
    return base + (n + 1) * macs * 30 / 20e6


def dequantize(x: np.ndarray, t: IOTensor) -> np.ndarray:
    if t.dtype.name in ("INT8", "INT16", "UINT8") and t.scale:
        return (x.astype(np.float64) - t.zero_point) * t.scale
    return x.astype(np.float64)


def check_identity(info: DeviceInfo, board: Board, sha256: str) -> None:
    if info.sha256 != sha256:
        raise McuforgeError(f"the device runs model {info.sha256[:16]}, this build is {sha256[:16]}",
                            hint="flash the firmware again (flash=1), or check port= points at the right board")
    if info.board != board.name:
        raise McuforgeError(f"the device reports board {info.board!r}, expected {board.name!r}",
                            hint="check port= and board=")


def layers_of(compiled: Any) -> tuple[Layer, ...]:
    """The operators `profile` times, from a CompiledModel's schedule."""
    return tuple(Layer(op=s.opcode, summary=s.summary, macs=s.macs) for s in compiled.steps)


# --- the timing pin ----------------------------------------------------------------------------------

def expected_pulses(body: str, n_ops: int) -> int | None:
    """Pulses of the timing pin a request makes (firmware/runtime/main.c): `infer N W` one per
    inference (N + W), `profile S` one per operator (all of them), anything else none."""
    words = body.split()
    if words[:1] == ["infer"] and len(words) == 3:
        return int(words[1]) + int(words[2])
    if words[:1] == ["profile"]:
        return n_ops
    return None


def qemu_pin_timing(board: Board, log: Path, exchanges: Sequence[Exchange], n_ops: int) -> PinTiming:
    expected = {}
    for x in exchanges:
        k = expected_pulses(x.body, n_ops)
        if k is not None and x.outcome == "ok":
            expected[x.body] = k
    return trace_timing(board, log, exchanges, expected)


def logic_pin_timing(analyzer: LogicAnalyzer, capture: Path, n: int, warmup: bool) -> PinTiming:
    """Pulse widths from a capture of one `infer` batch: the last `n` pulses are the timed inferences."""
    trace = read_edges(capture, analyzer.channel)
    found = trace.pulses()
    want = n + (1 if warmup else 0)
    widths = tuple(p.width * 1e6 for p in found[-n:]) if len(found) >= n else ()
    note = f"capture {capture.name}, {len(found)} pulses"
    if len(found) != want:
        note += f"; expected {want} (warm-up + {n}): check the wiring, the channel and the sample rate"
    return PinTiming(source=analyzer.describe(), expected=want, observed=len(found), order_ok=len(found) == want,
                     widths_us=widths, resolution_us=trace.resolution * 1e6, note=note)


# --- estimated cycles (QEMU) ------------------------------------------------------------------------

FUNCTIONS_KEPT = 20


def cycle_probe(board: Board, firmware: Path) -> Probe | None:
    """The cycle plugin for a run of `firmware` (used if QEMU runs it), when the board's core has a
    timing table; its files go beside the firmware."""
    if not board.emulated or board.core.timing is None:
        return None
    return probe_for(Path(firmware), Path(firmware).parent / "cycles")


def estimate_inferences(windows: Sequence[Window], table: CostTable, probe: Probe, clock_hz: int) -> CycleEstimate:
    """Estimated cycles of the timed inferences (one plugin window each)."""
    per = spans(windows, table)
    cycles = [s.cycles for s in per]
    model = CycleModel.of(table)
    est, insns = Stats.of(cycles), Stats.of([float(s.instructions) for s in per])
    assert est is not None and insns is not None
    return CycleEstimate(
        label=LABEL, table=model.table, title=model.title, file=model.file, ignores=model.ignores,
        per_inference=est, latency_us=Stats.of([c / clock_hz * 1e6 for c in cycles]) if clock_hz else None,
        clock_hz=clock_hz, instructions=insns, classes={e.value: n for e, n in per[0].classes.nonzero().items()},
        functions=functions(windows[0], probe, table)[:FUNCTIONS_KEPT])


# --- the run -----------------------------------------------------------------------------------------

FAILURE_KINDS: dict[type, str] = {DeviceFault: "fault", DeviceTimeout: "timeout", LinkError: "link",
                                  DeviceError: "device", DeviceGone: "gone"}


def failure_of(exc: BaseException, firmware: Path | None) -> RunFailure:
    if isinstance(exc, KeyboardInterrupt):
        return RunFailure(kind="interrupted", message="stopped by the user (Ctrl-C)")
    kind = next((k for t, k in FAILURE_KINDS.items() if isinstance(exc, t)), "error")
    message = exc.message if isinstance(exc, McuforgeError) else f"{type(exc).__name__}: {exc}"
    if isinstance(exc, DeviceFault):
        from codegen.hil.symbols import symbolize
        regs = dict(exc.fault.registers)
        loc = symbolize(firmware, regs["pc"]) if firmware is not None and "pc" in regs else None
        return RunFailure(kind=kind, message=message, fault_kind=exc.fault.kind, registers=regs, location=loc)
    return RunFailure(kind=kind, message=message)


def execute(session: Session, board: Board, sha256: str, inputs: tuple[IOTensor, ...],
            outputs: tuple[IOTensor, ...], source: InputSource, n: int, macs: int, profile: bool,
            timeout: float, layers: tuple[Layer, ...] = (), logic: LogicAnalyzer | None = None,
            capture: Path | None = None, gathered: Callable[[dict], None] | None = None) -> RunResult:
    """One run over a running session. `gathered` receives every field as soon as it is known, so a
    failure later still leaves what came before."""
    got: dict[str, Any] = {}

    def keep(**kw: Any) -> None:
        got.update(kw)
        if gathered:
            gathered(kw)

    dev = session.device
    unit = session.unit
    probe = session.cycles
    table = cost_table(board.core.timing) if probe is not None and board.core.timing else None
    reader = WindowReader(probe.out) if probe is not None and table is not None else None
    keep(target=session.description, driver=session.driver.name, unit=unit.name, per_tick=unit.per_tick,
         clock_hz=unit.clock_hz, latency_basis=unit.basis,
         input=source.description, label=source.label, n=n)
    info = dev.info()
    keep(device=DeviceSummary(firmware=info.firmware, counter=info.counter, counter_hz=info.counter_hz,
                              cpu_hz=info.cpu_hz, arena=info.arena, model=info.model, sha256=info.sha256,
                              ops=info.ops))
    check_identity(info, board, sha256)
    load_inputs(dev, source.arrays)
    cap = Capture(logic, capture or Path("capture.sr")) if logic is not None else None
    try:
        counts = dev.infer(n, warmup=True, timeout=infer_timeout(macs, n, timeout))
        if cap is not None:
            time.sleep(0.05)  # the falling edge of the last pulse, into the capture
            keep(pin=logic_pin_timing(logic, cap.stop(), n, warmup=True))  # type: ignore[arg-type]
            cap = None
    finally:
        if cap is not None:
            cap.abort()
    keep(counts=tuple(counts), per_inference=Stats.of(to_units(counts, unit)), latency_us=latency_us(counts, unit))
    if reader is not None and probe is not None and table is not None:
        windows = timed_windows(reader, to_units(counts, unit), unit.per_tick, "inference", timeout,
                                written=n + 1)                              # the warm-up's window first
        keep(estimated_cycles=estimate_inferences(windows, table, probe, board.cpu_hz))
    outs = read_outputs(dev, info, outputs)
    keep(outputs=tuple(o.tolist() for o in outs),
         outputs_dequantized=tuple(dequantize(o, t).tolist() for o, t in zip(outs, outputs)))
    if profile:
        prof = dev.profile(timeout=infer_timeout(macs, 1, timeout))
        est: list[float | None] = [None] * len(prof)
        if reader is not None and table is not None and prof:
            # every profile request runs every operator: the last request's windows cover them all
            windows = timed_windows(reader, to_units(prof, unit), unit.per_tick, "operator", timeout)
            est = [table.cycles(w.total) for w in windows]
        keep(profile=tuple(
            LayerTime(index=i, op=layers[i].op if i < len(layers) else "?",
                      summary=layers[i].summary if i < len(layers) else "",
                      macs=layers[i].macs if i < len(layers) else 0, count=c, value=c * unit.per_tick,
                      estimated_cycles=est[i])
            for i, c in enumerate(prof)))
    stack_used, stack_size = dev.stack()
    keep(stack_used_bytes=stack_used or None, stack_size_bytes=stack_size or None)
    keep(link=LinkSummary(frames_sent=dev.stats.frames_sent, retries=dev.stats.retries,
                          bad_frames=dev.stats.bad_frames))
    return RunResult(board=board.name, **got)


def unreachable(exc: OSError, request: RunRequest) -> McuforgeError:
    """A target that could not be reached (a port that does not open, a server that refuses)."""
    where = f" at {request.port}" if request.port else ""
    return McuforgeError(f"cannot reach the target{where}: {exc}",
                         hint="check port= (is the board plugged in? `ls /dev/ttyACM* /dev/ttyUSB*`; for "
                              "rfc2217://host:port, is ser2net running there?) and that no other program holds it")


def run_firmware(board: Board, firmware: Path, sha256: str, inputs: tuple[IOTensor, ...],
                 outputs: tuple[IOTensor, ...], source: InputSource, n: int = 10, macs: int = 0,
                 request: RunRequest = RunRequest(), profile: bool = True, layers: tuple[Layer, ...] = (),
                 logic: LogicAnalyzer | None = None, capture: Path | None = None,
                 model: str = "") -> RunResult:
    """Start the target (strategy over the registered drivers), run, stop it for sure. Raises
    :class:`RunFailed` (with the partial result) when the run fails after the target started."""
    from codegen.hil.strategy import State, Strategy
    if request.gpio_trace is not None and not request.record:
        request = replace(request, record=True)
    if request.cycles is None:
        request = replace(request, cycles=cycle_probe(board, firmware))
    got: dict[str, Any] = {"model": model}
    failure: RunFailure | None = None
    cause: BaseException | None = None
    strategy = Strategy(board, firmware, request)
    try:
        with strategy:
            session = strategy.transition(State.RUNNING)
            assert session is not None
            execute(session, board, sha256, inputs, outputs, source, n, macs, profile, request.timeout,
                    layers=layers, logic=logic, capture=capture, gathered=got.update)
    except (McuforgeError, EOFError, OSError, KeyboardInterrupt) as exc:
        if strategy.session is None:  # never started: nothing gathered, the error says why
            if isinstance(exc, OSError):
                raise unreachable(exc, request) from exc
            raise
        failure, cause = failure_of(exc, firmware), exc
    stopped = strategy.stopped
    if stopped is not None and stopped.peak_rss_bytes is not None:
        got["peak_rss_bytes"] = stopped.peak_rss_bytes
    if failure is not None and stopped is not None:
        ended, code, sig = ending(stopped)
        failure = replace(failure, target_log=stopped.log or failure.target_log, ended=ended, exit_code=code,
                          signal=sig)
    got["states"] = tuple(StateStep(t.source.value, t.target.value, t.seconds, t.note) for t in strategy.history)
    session = strategy.session
    if request.gpio_trace is not None and session is not None and session.device.exchanges is not None:
        try:
            n_ops = got["device"].ops if got.get("device") else len(layers)
            got["pin"] = qemu_pin_timing(board, request.gpio_trace, session.device.exchanges, n_ops)
        except McuforgeError as exc:
            if failure is None:
                failure, cause = failure_of(exc, firmware), exc
    result = RunResult(board=board.name, failure=failure, **got)
    if failure is not None:
        raise RunFailed(result, cause if isinstance(cause, McuforgeError) else None)
    return result


def run_project(project: "Project", options: RunOptions) -> RunResult:
    """`run` of a built project: its input (input=/sample=, the sample file, or random), the target
    (options.target, the hardware map), the timing pin (gpio_trace=, logic=), the build's sizes.
    Raises :class:`RunFailed` with the partial result when the run fails after the target started."""
    from codegen.report import read_report
    m = project.compiled
    source = run_inputs(project, options)
    logic = None
    if options.logic:
        from codegen.hil.hwmap import load_hardware_map
        logic = load_hardware_map(options.target.hwmap).logic_for(project.board.name)
    trace = project.dir / "gpio-trace.log" if options.gpio_trace else None
    rep = read_report(project.dir)
    memory = rep.memory() if rep is not None else None
    try:
        res = run_firmware(project.board, project.firmware_elf, m.sha256, m.inputs, m.outputs, source, n=options.n,
                           macs=m.macs, request=request_for(options.target, project.board, trace),
                           layers=layers_of(m), logic=logic, capture=project.dir / "timing-pin.sr",
                           model=project.model_path.name)
    except RunFailed as exc:
        exc.result = replace(exc.result, memory=memory,
                             peak_ram=rep.peak_ram(exc.result.stack_used_bytes) if rep is not None else None)
        raise
    return replace(res, memory=memory, peak_ram=rep.peak_ram(res.stack_used_bytes) if rep is not None else None)


def write_run(result: RunResult, path: Path) -> Path:
    return write_text_atomic(path, json.dumps(result.to_json(), indent=2) + "\n")


def read_run(path: Path) -> RunResult:
    return RunResult.from_json(json.loads(Path(path).read_text()))
