"""LiteRT and ONNX Runtime on the board: :mod:`codegen.linux.board_runner` (copied there, run by the
board's Python) checks which runtimes import and runs one; their outputs come back in the .tflite's
layout for the comparison with TFLM."""

from __future__ import annotations

import json
import shlex
from pathlib import Path
from typing import Sequence

import numpy as np

from codegen.errors import McuforgeError
from codegen.hil import linux
from codegen.linux.inputs import Inputs, agreement, onnx_layouts, real_values
from codegen.linux.place import Place, perf_counters
from codegen.linux.records import RuntimeResult
from codegen.options.records import LinuxBenchOptions, Runtime
from codegen.pio.project import Project
from codegen.run import Stats

RUNNER = Path(__file__).with_name("board_runner.py")
RUNNER_TIMEOUT_S = 1800.0


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
                      want: list[list[np.ndarray]], options: LinuxBenchOptions, onnx: Path | None) -> RuntimeResult:
    m = project.compiled
    if runtime == Runtime.ONNXRUNTIME:
        assert onnx is not None
        ins, outs_l = onnx_layouts(onnx, project)
        # the ONNX model takes real values: an int8-I/O .tflite's inputs are dequantised for it
        # (TensorLayout works on samples without their batch axis of 1: put it back for the session)
        arrays = [ins[k].to_source(np.stack([real_values(s[k], m.inputs[k]) for s in inputs.samples]).astype(np.float32))
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
    counters = perf_counters(where, lambda n: _run_runner(where, f"{runtime.value}.{'n' if n else '0'}.perf.json",
                                                  board)["counters"], options.n)
    lat = Stats.of([v / 1000.0 for v in got["latencies_ns"]])
    assert lat is not None
    return RuntimeResult(runtime=runtime, version=f"{got['package']} {got['version']}, Python {got['python']}",
                         model=(onnx.name if onnx is not None and runtime == Runtime.ONNXRUNTIME
                                else project.model_path.name),
                         n=options.n, warmup=options.warmup, latency_us=lat, peak_rss_bytes=got["peak_rss_bytes"],
                         agreement=agreement(outs, want, m.outputs), counters=counters,
                         baseline_rss_bytes=got["baseline_rss_bytes"])
