"""`bench` on a Linux board: the same model, the same inputs, on the same board, three ways side by side:
mcuforge's generated C (the cross-compiled program, over the device protocol), the .tflite under
LiteRT's Python interpreter, and the float/QDQ ONNX model under ONNX Runtime (when there is one: given,
or the float reference `quantize` recorded beside the model). The last two run in
:mod:`codegen.linux.board_runner`, copied to the board and run by its Python
(:mod:`codegen.linux.alternatives`).

For each runtime: latency of one input over N timed runs after W warm-up runs (p50/p90/p99/max, from a
monotonic clock on the board), the process's peak resident set, `perf stat` cycles and instructions
per inference where the board counts them ((counts of a process with W + N runs - one with W) / N),
and how its outputs on S samples agree with TFLM's interpreter: mcuforge's must be bit-exact, LiteRT's
and ONNX Runtime's differences are measured and shown, never hidden.
"""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path
from typing import Callable

import numpy as np

from codegen.errors import McuforgeError
from codegen.hil import linux
from codegen.hil.records import RunRequest, Stopped
from codegen.hil.strategy import State, Strategy
from codegen.linux.alternatives import RUNNER, bench_alternative, check_runtimes
from codegen.linux.inputs import Inputs, agreement, bench_inputs, default_onnx
from codegen.linux.place import Place, perf_counters, place
from codegen.linux.records import BenchResult, RuntimeResult
from codegen.options.records import LinuxBenchOptions, Runtime
from codegen.pio.project import Project, kernel_variant
from codegen.run import Stats, check_identity, infer_timeout, load_inputs, read_outputs
from codegen.version import __version__


def _mcuforge_session(project: Project, where: Place, inputs: Inputs, warmup: int, n: int, compare: bool
                      ) -> tuple[list[list[np.ndarray]], list[int], Stopped | None]:
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


def bench_mcuforge(project: Project, where: Place, inputs: Inputs, want: list[list[np.ndarray]],
                   options: LinuxBenchOptions) -> RuntimeResult:
    outs, counts, stopped = _mcuforge_session(project, where, inputs, options.warmup, options.n, compare=True)
    perf_place = replace(where, request=replace(where.request, perf=True))

    def counted(n: int) -> dict:
        _, _, st = _mcuforge_session(project, perf_place, inputs, options.warmup, n, compare=False)
        return dict(st.counters) if st is not None else {}
    lat = Stats.of([c / 1000.0 for c in counts])
    assert lat is not None
    compiler = project.board.linux.compiler if project.board.linux else "gcc"
    return RuntimeResult(runtime=Runtime.MCUFORGE, version=f"mcuforge {__version__}, {compiler} {project.options.opt}, "
                         f"{kernel_variant(project.board, project.options).value} kernels",
                         model=project.firmware_elf.name, n=options.n,
                         warmup=options.warmup, latency_us=lat,
                         peak_rss_bytes=stopped.peak_rss_bytes if stopped is not None else None,
                         agreement=agreement(outs, want, project.compiled.outputs),
                         counters=perf_counters(where, counted, options.n))


def runtimes_for(options: LinuxBenchOptions, where: Place, onnx: Path | None, board: str) -> tuple[Runtime, ...]:
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


def bench(project: Project, options: LinuxBenchOptions, request: RunRequest, python: str | None = None,
          progress: Callable[[str], None] | None = None) -> BenchResult:
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
