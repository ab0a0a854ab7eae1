"""`bench` on a Linux board: the same model, the same inputs, on the same board, three ways side by side:
mcuforge's generated C (the cross-compiled program, over the device protocol), the .tflite under
LiteRT's Python interpreter, and the float/QDQ ONNX model under ONNX Runtime (when there is one: given,
or the float reference `quantize` recorded beside the model). The last two run in
:mod:`codegen.linux.board_runner`, copied to the board and run by its Python.

For each runtime: latency of one input over N timed runs after W warm-up runs (p50/p90/p99/max, from a
monotonic clock on the board), the process's peak resident set, `perf stat` cycles and instructions
per inference where the board counts them ((counts of a process with W + N runs - one with W) / N),
and how its outputs on S samples agree with TFLM's interpreter: mcuforge's must be bit-exact, LiteRT's
and ONNX Runtime's differences are measured and shown, never hidden.
"""

from __future__ import annotations

import enum
import json
import shlex
import sys
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from codegen.errors import McuforgeError
from codegen.hil import linux
from codegen.hil.records import RunRequest
from codegen.hil.remote import LocalMachine, Machine
from codegen.hil.strategy import State, Strategy
from codegen.lowering import IOTensor
from codegen.origin import TensorLayout, read_origin
from codegen.pio.project import Project
from codegen.run import Stats, check_identity, infer_timeout, load_inputs, read_outputs

RUNNER = Path(__file__).with_name("board_runner.py")
RUNNER_TIMEOUT_S = 1800.0


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
class BenchOptions:
    n: int = 50                            # timed runs of one input
    warmup: int = 5                        # untimed runs before them
    samples: int = 10                      # inputs whose outputs are compared with TFLM
    data: Path | None = None               # .npz (x) / .npy; default: the model's *.samples.npz, else random
    seed: int = 0
    runtimes: tuple[Runtime, ...] | None = None  # None: every runtime that applies
    onnx: Path | None = None               # the ONNX model for ONNX Runtime; default: the recorded float reference
    threads: int = 1                       # LiteRT's / ONNX Runtime's threads (mcuforge's C is single-threaded)

    def __post_init__(self) -> None:
        for name, lo in (("n", 1), ("warmup", 0), ("samples", 1), ("threads", 1)):
            if getattr(self, name) < lo:
                raise McuforgeError(f"{name}={getattr(self, name)}: must be at least {lo}", hint=f"give {name}= >= {lo}")


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


# --- inputs, references, agreement ------------------------------------------------------------------

@dataclass(frozen=True)
class Inputs:
    samples: tuple[tuple[np.ndarray, ...], ...]   # in the .tflite's layout
    description: str


def bench_inputs(project: Project, options: BenchOptions) -> Inputs:
    from codegen.reference import float_input_ranges
    from codegen.run import samples_file
    from codegen.validate import sample_inputs
    m = project.compiled
    data = options.data
    if data is None and samples_file(project.model_path).is_file() and len(m.inputs) == 1:
        data = samples_file(project.model_path)
    origin = read_origin(project.model_path)
    layout = origin.inputs[0] if origin is not None and len(origin.inputs) == 1 and options.data else None
    got = tuple(xs for xs, _ in sample_inputs(data, m.inputs, options.samples, options.seed,
                                               float_input_ranges(m.graph), layout))
    what = f"{data.name}, {len(got)} samples" if data else f"{len(got)} random inputs (seed {options.seed})"
    return Inputs(samples=got, description=what)


def _real(x: np.ndarray, t: IOTensor) -> np.ndarray:
    if x.dtype.kind in "iu" and t.scale:
        return (x.astype(np.float64) - t.zero_point) * t.scale
    return x.astype(np.float64)


def agreement(got: Sequence[Sequence[np.ndarray]], want: Sequence[Sequence[np.ndarray]],
              outputs: Sequence[IOTensor]) -> Agreement:
    """Outputs per sample (in the .tflite's layout) against TFLM's: exact where the dtypes match,
    otherwise compared in real units (a float ONNX model against the quantised .tflite)."""
    exact = top1 = 0
    worst = 0.0
    for g_s, w_s in zip(got, want):
        same = True
        for g, w, t in zip(g_s, w_s, outputs):
            g, w = np.asarray(g), np.asarray(w)
            if g.size == w.size:
                g = g.reshape(w.shape)
            if g.dtype != w.dtype or not np.array_equal(g, w):
                same = False
            gr = _real(g, t) if g.dtype == w.dtype else g.astype(np.float64)
            d = np.abs(gr.reshape(-1) - _real(w, t).reshape(-1))
            worst = max(worst, float(d.max()) if d.size else 0.0)
        exact += same
        top1 += int(np.argmax(np.asarray(g_s[0]).reshape(-1)) == np.argmax(np.asarray(w_s[0]).reshape(-1)))
    return Agreement(samples=len(got), exact_samples=exact, max_abs_diff=worst, top1_agree=top1)


def onnx_layouts(onnx: Path, project: Project) -> tuple[tuple[TensorLayout, ...], tuple[TensorLayout, ...]]:
    """How the ONNX model's inputs and outputs map to the .tflite's: the sidecar's, when it names this
    ONNX model; else from the shapes (identical, or NCHW-like for an NHWC .tflite)."""
    origin = read_origin(project.model_path)
    ref = origin.float_reference if origin is not None else None
    if origin is not None and ref is not None and ref.format == "onnx" and Path(ref.path).resolve() == onnx.resolve():
        return origin.inputs, origin.outputs
    import onnx as onnx_lib
    g = onnx_lib.load(str(onnx), load_external_data=False).graph
    init = {i.name for i in g.initializer}
    ins = [v for v in g.input if v.name not in init]

    def shape(v) -> tuple[int, ...]:
        return tuple(int(d.dim_value) if d.dim_value else 1 for d in v.type.tensor_type.shape.dim)

    def layout(v, t: IOTensor) -> TensorLayout:
        src, model = shape(v), tuple(t.shape)
        if src == model:
            return TensorLayout(v.name, src, tuple(range(len(src))))
        if len(src) >= 3 and sorted(src) == sorted(model):
            perm = (0, *range(2, len(src)), 1)            # channels-first source, channels-last .tflite
            if tuple(src[p] for p in perm) == model:
                return TensorLayout(v.name, src, perm)
        raise McuforgeError(f"{onnx.name}: {v.name} has shape {src}, the .tflite's {t.name} {model}",
                            hint="give the ONNX model this .tflite was made from (onnx=PATH)")
    if len(ins) != len(project.compiled.inputs) or len(g.output) != len(project.compiled.outputs):
        raise McuforgeError(f"{onnx.name} has {len(ins)} inputs and {len(g.output)} outputs, "
                            f"{project.model_path.name} {len(project.compiled.inputs)} and {len(project.compiled.outputs)}",
                            hint="give the ONNX model this .tflite was made from (onnx=PATH)")
    return (tuple(layout(v, t) for v, t in zip(ins, project.compiled.inputs)),
            tuple(layout(v, t) for v, t in zip(g.output, project.compiled.outputs)))


def default_onnx(project: Project) -> Path | None:
    origin = read_origin(project.model_path)
    ref = origin.float_reference if origin is not None else None
    return Path(ref.path) if ref is not None and ref.format == "onnx" and Path(ref.path).is_file() else None


# --- where it runs ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Place:
    request: RunRequest
    mode: linux.LinuxMode
    machine: Machine
    directory: str
    facts: linux.MachineFacts
    python: str

    @property
    def emulated(self) -> bool:
        return self.mode == linux.LinuxMode.EMULATED

    def where(self, board: str) -> str:
        return f"{board} ({self.machine.description}" + (", QEMU user mode)" if self.emulated else ")")


def place(project: Project, request: RunRequest, python: str | None) -> Place:
    board = project.board
    if board.linux is None:
        raise McuforgeError(f"bench with board={board.name}: runtimes are compared on Linux boards",
                            hint="give a board with kind = \"linux\" (rpi4, stm32mp157, x86_64), or run "
                                 "`scons bench` without board= for the shared models on the emulated Cortex-M cores")
    mode = linux.mode_for(board, request)
    if mode is None:
        raise McuforgeError(f"no way to run board {board.name} with target={request.target}",
                            hint="target=auto, device or emulator")
    machine = linux.machine_for(board, project.firmware_elf, request, mode)
    facts = linux.inspect_machine(board, machine, mode)
    default_python = sys.executable if isinstance(machine, LocalMachine) else "python3"
    return Place(request=request, mode=mode, machine=machine,
                 directory=linux.deploy_dir(board, project.firmware_elf, machine), facts=facts,
                 python=python or default_python)


# --- mcuforge's program ---------------------------------------------------------------------------------

def _mcuforge_session(project: Project, where: Place, inputs: Inputs, warmup: int, n: int, compare: bool
                      ) -> tuple[list[list[np.ndarray]], list[int], Any]:
    m = project.compiled
    outs: list[list[np.ndarray]] = []
    timeout = infer_timeout(m.macs, max(n, warmup, 1), where.request.timeout)
    with Strategy(project.board, project.firmware_elf, where.request) as s:
        session = s.transition(State.RUNNING)
        assert session is not None
        dev = session.device
        info = dev.info()
        check_identity(info, project.board, m.sha256)
        for xs in inputs.samples if compare else ():
            load_inputs(dev, xs)
            dev.infer(1, warmup=False, timeout=timeout)
            outs.append(read_outputs(dev, info, m.outputs))
        load_inputs(dev, inputs.samples[0])
        if warmup:
            dev.infer(warmup, warmup=False, timeout=timeout)
        counts = dev.infer(n, warmup=False, timeout=timeout) if n else []
    return outs, counts, s.stopped


def _perf(place_: Place, run_with: Any, n: int) -> Counters:
    """Counters per inference: (a process with W + n runs) - (one with W runs), divided by n."""
    if place_.emulated:
        return Counters(note="not measured (emulated)")
    if not place_.facts.perf:
        return Counters(note="not supported")
    full, base = run_with(n), run_with(0)
    per = {}
    for event in linux.PERF_EVENTS:
        a, b = full.get(event), base.get(event)
        per[event] = (a - b) / n if a is not None and b is not None else None
    return Counters(cycles=per["cycles"], instructions=per["instructions"],
                    note="perf stat: (process with warm-up + N runs - with warm-up only) / N")


def bench_mcuforge(project: Project, where: Place, inputs: Inputs, want: list[list[np.ndarray]],
                   options: BenchOptions) -> RuntimeResult:
    outs, counts, stopped = _mcuforge_session(project, where, inputs, options.warmup, options.n, compare=True)
    perf_place = replace(where, request=replace(where.request, perf=True))

    def counted(n: int) -> dict:
        _, _, st = _mcuforge_session(project, perf_place, inputs, options.warmup, n, compare=False)
        return dict(st.counters) if st is not None else {}
    lat = Stats.of([c / 1000.0 for c in counts])
    assert lat is not None
    from codegen.pio.project import kernel_variant
    from codegen.version import __version__
    compiler = project.board.linux.compiler if project.board.linux else "gcc"
    return RuntimeResult(runtime=Runtime.MCUFORGE, version=f"mcuforge {__version__}, {compiler} {project.options.opt}, "
                         f"{kernel_variant(project.board, project.options).value} kernels", model=project.firmware_elf.name, n=options.n,
                         warmup=options.warmup, latency_us=lat,
                         peak_rss_bytes=stopped.peak_rss_bytes if stopped is not None else None,
                         agreement=agreement(outs, want, project.compiled.outputs),
                         counters=_perf(where, counted, options.n))


# --- the alternatives, by the runner on the board ------------------------------------------------------

def _npz(path: Path, arrays: Sequence[np.ndarray]) -> Path:
    np.savez(path, **{f"in{k}": a for k, a in enumerate(arrays)})
    return path


def _run_runner(where: Place, request_file: str, board: str) -> dict:
    cmd = f"cd {shlex.quote(where.machine.path(where.directory))} && {shlex.quote(where.python)} board_runner.py run {request_file}"
    if where.facts.perf and request_file.endswith(".perf.json"):
        cmd = (f"cd {shlex.quote(where.machine.path(where.directory))} && perf stat -x, -e "
               f"{','.join(linux.PERF_EVENTS)} -- {shlex.quote(where.python)} board_runner.py run {request_file}")
    res = where.machine.run(cmd, timeout=RUNNER_TIMEOUT_S)
    if res.returncode == 3:
        miss = json.loads(res.stdout)
        raise missing_runtime(Runtime(miss["missing"]), miss["package"], miss["detail"], where, board)
    if res.returncode != 0:
        raise McuforgeError(f"the runtime runner failed on {where.where(board)} (exit {res.returncode}): "
                            f"{res.stderr.strip()[-600:]}", hint="its output above says why")
    out = json.loads(res.stdout)
    out["counters"] = linux.perf_counts(res.stderr)
    return out


def missing_runtime(runtime: Runtime, package: str, detail: str, where: Place, board: str) -> McuforgeError:
    pip = " or ".join(f"`{where.python} -m pip install {p}`" for p in package.split(" or "))
    return McuforgeError(f"{runtime.title} is not installed on {where.where(board)} for {where.python} ({detail})",
                         hint=f"install it there: {pip}; or set the hardware map's python = \"...\" to the Python "
                              f"that has it; or leave it out: runtimes=" +
                              ",".join(r for r in Runtime if r != runtime))


def check_runtimes(where: Place, runtimes: Sequence[Runtime], board: str) -> None:
    wanted = [r for r in runtimes if r != Runtime.MCUFORGE]
    if not wanted:
        return
    cmd = (f"cd {shlex.quote(where.machine.path(where.directory))} && "
           f"{shlex.quote(where.python)} board_runner.py check {' '.join(wanted)}")
    res = where.machine.run(cmd)
    if res.returncode == 127 or (res.returncode != 0 and "not found" in res.stderr):
        raise McuforgeError(f"{where.python} is not found on {where.where(board)}",
                            hint="install Python 3 and numpy there (apt-get install python3 python3-numpy), or set "
                                 "the hardware map's python = \"/path/to/python\"")
    if res.returncode != 0:
        raise McuforgeError(f"cannot check the runtimes on {where.where(board)}: {res.stderr.strip()[-400:]}",
                            hint="numpy is needed there: apt-get install python3-numpy")
    found = json.loads(res.stdout)
    for r in wanted:
        if not found[r]["ok"]:
            raise missing_runtime(r, found[r]["package"], found[r]["detail"], where, board)


def bench_alternative(runtime: Runtime, project: Project, where: Place, inputs: Inputs,
                      want: list[list[np.ndarray]], options: BenchOptions, onnx: Path | None) -> RuntimeResult:
    m = project.compiled
    if runtime == Runtime.ONNXRUNTIME:
        assert onnx is not None
        ins, outs_l = onnx_layouts(onnx, project)
        # the ONNX model takes real values: an int8-I/O .tflite's inputs are dequantised for it
        # (TensorLayout works on samples without their batch axis of 1: put it back for the session)
        arrays = [ins[k].to_source(np.stack([_real(s[k], m.inputs[k]) for s in inputs.samples]).astype(np.float32))
                  [:, None] for k in range(len(m.inputs))]
        model_file = "model.onnx"
    else:
        ins = outs_l = ()
        arrays = [np.stack([s[k] for s in inputs.samples]) for k in range(len(m.inputs))]
        model_file = "model.tflite"
    board = project.board.name
    tmp = project.dir / "runtimes"
    tmp.mkdir(parents=True, exist_ok=True)
    req = {"runtime": runtime.value, "model": model_file, "inputs": f"{runtime.value}.inputs.npz",
           "warmup": options.warmup, "n": options.n, "threads": options.threads}
    files = {f"{runtime.value}.inputs.npz": _npz(tmp / f"{runtime.value}.inputs.npz", arrays)}
    for name, r in ((f"{runtime.value}.json", req), (f"{runtime.value}.0.perf.json", req | {"n": 0}),
                    (f"{runtime.value}.n.perf.json", req)):
        (tmp / name).write_text(json.dumps(r))
        files[name] = tmp / name
    where.machine.put(files, where.directory)
    got = _run_runner(where, f"{runtime.value}.json", board)
    outs = []
    for sample in got["outputs"]:
        arrs = [np.asarray(o["data"], dtype=o["dtype"]).reshape(o["shape"]) for o in sample]
        if outs_l:
            arrs = [lay.to_model(a)[0] for a, lay in zip(arrs, outs_l)]
        outs.append(arrs)
    counters = _perf(where, lambda n: _run_runner(where, f"{runtime.value}.{'n' if n else '0'}.perf.json",
                                                  board)["counters"], options.n)
    lat = Stats.of([v / 1000.0 for v in got["latencies_ns"]])
    assert lat is not None
    return RuntimeResult(runtime=runtime, version=f"{got['package']} {got['version']}, Python {got['python']}",
                         model=(onnx.name if onnx is not None and runtime == Runtime.ONNXRUNTIME
                                else project.model_path.name),
                         n=options.n, warmup=options.warmup, latency_us=lat, peak_rss_bytes=got["peak_rss_bytes"],
                         agreement=agreement(outs, want, m.outputs), counters=counters,
                         baseline_rss_bytes=got["baseline_rss_bytes"])


# --- the whole comparison ------------------------------------------------------------------------------

def runtimes_for(options: BenchOptions, where: Place, onnx: Path | None, board: str) -> tuple[Runtime, ...]:
    if options.runtimes is not None:
        asked = options.runtimes
        if where.emulated and any(r != Runtime.MCUFORGE for r in asked):
            raise McuforgeError(f"LiteRT and ONNX Runtime need {board} itself: emulated, only mcuforge's program runs "
                                "(QEMU user mode has no Python for the board here)",
                                hint=f"runtimes=mcuforge, or give the hardware map's {board} entry (ssh = ...)")
        if Runtime.ONNXRUNTIME in asked and onnx is None:
            raise McuforgeError("runtimes= names onnxruntime, but there is no ONNX model",
                                hint="give onnx=PATH (the float or QDQ ONNX model this .tflite was made from)")
        return asked
    if where.emulated:
        return (Runtime.MCUFORGE,)
    return (Runtime.MCUFORGE, Runtime.LITERT) + ((Runtime.ONNXRUNTIME,) if onnx is not None else ())


def bench(project: Project, options: BenchOptions, request: RunRequest, python: str | None = None,
          progress: Any = None) -> BenchResult:
    from codegen.reference import TflmReference
    say = progress or (lambda line: None)
    onnx = options.onnx.resolve() if options.onnx is not None else default_onnx(project)
    if options.onnx is not None and not options.onnx.is_file():
        raise McuforgeError(f"ONNX model not found: {options.onnx}", hint="give onnx=PATH to a .onnx file")
    where = place(project, request, python)
    runtimes = runtimes_for(options, where, onnx, project.board.name)
    inputs = bench_inputs(project, options)
    files = {"board_runner.py": RUNNER, "model.tflite": project.model_path}
    if onnx is not None and Runtime.ONNXRUNTIME in runtimes:
        files["model.onnx"] = onnx
    if len(runtimes) > 1:
        where.machine.put(files, where.directory)
        check_runtimes(where, runtimes, project.board.name)
    with TflmReference(project.model_path) as ref:
        want = [ref.run(list(xs)) for xs in inputs.samples]
    results = []
    for r in runtimes:
        say(f"  {r.title}: {options.samples} samples vs TFLM, {options.warmup} warm-up + {options.n} timed runs")
        if r == Runtime.MCUFORGE:
            results.append(bench_mcuforge(project, where, inputs, want, options))
        else:
            results.append(bench_alternative(r, project, where, inputs, want, options, onnx))
    desc = ("QEMU user mode" if where.emulated else "a process") + f" on {where.machine.description}"
    unit = linux.unit(project.board, where.machine, where.mode)
    perf = ("not measured: emulated (perf would count QEMU, not the board)" if where.emulated else
            "counted" if where.facts.perf else
            f"not supported on {where.machine.description} (`{linux.PERF_PROBE}` counts nothing)")
    return BenchResult(board=project.board.name, perf=perf, model=project.model_path.name, target=desc, emulated=where.emulated,
                       timing=unit.basis if where.emulated else f"monotonic clock on {where.machine.description}",
                       inputs=inputs.description, samples=len(inputs.samples), results=tuple(results),
                       threads=options.threads)


def write_bench(result: BenchResult, out: Path) -> Path:
    path = out / "bench.json"
    path.write_text(json.dumps(result.as_json(), indent=2) + "\n")
    return path


def read_bench(path: Path) -> BenchResult:
    return BenchResult.from_json(json.loads(Path(path).read_text()))

