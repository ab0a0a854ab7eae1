"""The golden reference: TensorFlow Lite Micro's own interpreter (PyPI ``tflite-micro``), isolated.

TFLM's interpreter runs in a child process (:mod:`codegen.tflm_worker`) with a bounded address space
and a deadline on every request, so a model that crashes or hangs it (a segfault on a too-small
arena, a model TFLM mis-reads) ends in a :class:`TflmError` naming the model, never in a dead or
stuck mcuforge. Workers are kept and reused: one worker serves many models one after another (the
test suite calls the reference thousands of times; starting a worker costs an import of TFLM).

The arena is sized to the model (:func:`arena_for`: every non-constant tensor's bytes, twice, with
room for TFLM's own records); a model that still does not fit gets a larger arena, up to
``MAX_ARENA``, before the error.
"""

from __future__ import annotations

import atexit
import os
import signal
import socket
import subprocess
import sys
import tempfile
import weakref
from multiprocessing.connection import Connection
from pathlib import Path
from typing import IO, Any, Sequence

import numpy as np

from codegen.errors import McuforgeError
from codegen.hil.processes import kill, tail
from codegen.ir import DType, Graph
from codegen.lowering import IOTensor
from codegen.tflite import read_model_bytes

DEFAULT_ARENA = 8 * 1024 * 1024   # at least this much (what mcuforge always gave TFLM)
MAX_ARENA = 1 << 30               # the largest arena tried before giving up
BASE_MEMORY = 1 << 30             # a worker's address space beyond its arena and model: Python, numpy, TFLM
LOAD_TIMEOUT_S = 120.0            # generous: loaded machines import TFLM slowly
INVOKE_TIMEOUT_S = 300.0
IDLE_WORKERS = 2                  # workers kept for the next model


class TflmError(McuforgeError):
    """TFLM's interpreter failed on a model: an error it raised, a crash, a hang or too much memory."""


def arena_for(graph: Graph) -> int:
    """An arena TFLM can run `graph` in, even keeping every tensor (debug's kPreserveAllTensors):
    every non-constant tensor's bytes, twice, plus room for TFLM's per-tensor and per-op records;
    at least DEFAULT_ARENA."""
    tensors = [t for sg in graph.subgraphs for t in sg.tensors]
    activations = sum(t.nbytes for t in tensors if not t.is_const)
    ops = sum(len(sg.operators) for sg in graph.subgraphs)
    need = 2 * activations + 256 * (len(tensors) + ops) + (1 << 20)
    return max(DEFAULT_ARENA, -(-need // 4096) * 4096)


class _Worker:
    """One child process running codegen.tflm_worker, with its connection and its output log."""

    def __init__(self, memory: int) -> None:
        self.memory = memory
        ours, theirs = socket.socketpair()
        self.log: IO[bytes] = tempfile.TemporaryFile()
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1",
                    PYTHONPATH=os.pathsep.join(filter(None, [str(Path(__file__).resolve().parents[1]),
                                                             os.environ.get("PYTHONPATH")])))
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "codegen.tflm_worker", str(theirs.fileno()), str(memory), str(os.getpid())],
            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT,
            env=env)
        theirs.close()
        self.conn = Connection(ours.detach())

    def request(self, message: tuple, timeout: float, what: str) -> Any:
        """Send one request and wait for its reply; raises TflmError on an error, a crash or a hang."""
        try:
            self.conn.send(message)
            if not self.conn.poll(timeout):
                self.close()
                raise TflmError(f"TFLM's interpreter did not finish {what} within {timeout:.0f} s",
                                hint="TFLM hangs on this model, or the machine is very busy")
            status, value = self.conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            code = self.proc.wait(timeout=10)
            log = tail(self.log, 600)
            self.close()
            how = f"killed by {signal.Signals(-code).name}" if code < 0 else f"exit status {code}"
            if code == -signal.SIGKILL or "MemoryError" in log or "bad_alloc" in log:
                how += f": over its memory limit of {self.memory >> 20} MiB?"
            raise TflmError(f"TFLM's interpreter crashed ({how}) {what}" + (f": {log}" if log else ""),
                            hint="TFLM cannot run this model as it is; the log above is its last words") from None
        if status != "ok":
            raise TflmError(f"TFLM's interpreter failed {what}: {value}",
                            hint="TFLM cannot run this model as it is")
        return value

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def close(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.proc.poll() is None:
            try:
                self.proc.wait(timeout=2)  # it exits when its connection closes
            except subprocess.TimeoutExpired:
                kill(self.proc)
        self.log.close()


_IDLE: list[_Worker] = []


def _take(memory: int) -> _Worker:
    for w in list(_IDLE):
        _IDLE.remove(w)
        if w.alive and w.memory >= memory:
            return w
        w.close()
    return _Worker(memory)


def _give_back(worker: _Worker) -> None:
    if worker.alive and len(_IDLE) < IDLE_WORKERS:
        _IDLE.append(worker)
    else:
        worker.close()


@atexit.register
def _close_idle() -> None:
    while _IDLE:
        _IDLE.pop().close()


class TflmReference:
    """TFLM's interpreter for one model, in a worker process: `run`, `tensor` (preserve_all),
    `reset`, `close` (or use it as a context manager; dropping it returns the worker too)."""

    def __init__(self, model: bytes | Path, arena_size: int | None = None, preserve_all: bool = False,
                 name: str | None = None, invoke_timeout: float = INVOKE_TIMEOUT_S) -> None:
        data = Path(model).read_bytes() if isinstance(model, Path) else bytes(model)
        self.name = name or (Path(model).name if isinstance(model, Path) else "the model")
        graph = read_model_bytes(data, source=self.name)
        self.n_inputs, self.n_outputs = len(graph.main.inputs), len(graph.main.outputs)
        self.invoke_timeout = invoke_timeout
        arena = arena_size or arena_for(graph)
        while True:
            worker = _take(BASE_MEMORY + 2 * arena + 4 * len(data))
            try:
                worker.request(("load", data, arena, preserve_all), LOAD_TIMEOUT_S,
                               f"loading {self.name} (arena {arena:,} B)")
                break
            except TflmError:
                worker.close()
                if arena_size is not None or arena * 4 > MAX_ARENA:
                    raise
                arena *= 4  # TFLM may crash rather than report an arena that is too small
        self.arena_size = arena
        self._worker: _Worker | None = worker
        self._release = weakref.finalize(self, _give_back, worker)

    def _request(self, message: tuple, what: str, timeout: float) -> Any:
        if self._worker is None:
            raise TflmError(f"the TFLM reference of {self.name} is closed", hint="a bug in the caller")
        try:
            return self._worker.request(message, timeout, f"{what} {self.name}")
        except TflmError:
            self._release.detach()
            self._worker = None
            raise

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        return self._request(("run", [np.asarray(x) for x in inputs]), "running", self.invoke_timeout)

    def tensor(self, index: int, subgraph: int = 0) -> np.ndarray:
        """An intermediate tensor (needs preserve_all=True)."""
        return self._request(("tensor", index, subgraph), f"reading tensor {index} of", LOAD_TIMEOUT_S)

    def reset(self) -> None:
        self._request(("reset",), "resetting", LOAD_TIMEOUT_S)

    def last_status(self) -> int:
        """The last invoke's TfLiteStatus: 0, or kTfLiteAbort where a streaming operator
        (CIRCULAR_BUFFER between its strides) ended it early (the operators after it did not run)."""
        return int(self._request(("status",), "reading the invoke status of", LOAD_TIMEOUT_S))

    def close(self) -> None:
        self._release()
        self._worker = None

    def __enter__(self) -> "TflmReference":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def float_input_ranges(graph: Graph) -> dict[int, tuple[float, float]]:
    """For float inputs that feed a QUANTIZE, the real range that quantisation covers."""
    sg = graph.main
    cons = sg.consumers()
    out = {}
    for t in sg.inputs:
        for oi in cons.get(t, []):
            op = sg.operators[oi]
            q = sg.tensors[op.outputs[0]].quant
            if op.opcode == "QUANTIZE" and q is not None:
                lo, hi = (-128, 127) if sg.tensors[op.outputs[0]].dtype == DType.INT8 else (-32768, 32767)
                out[t] = (q.s * (lo - q.zp), q.s * (hi - q.zp))
    return out


def random_inputs(inputs: Sequence[IOTensor], rng: np.random.Generator,
                  float_ranges: dict[int, tuple[float, float]] | None = None) -> list[np.ndarray]:
    """One random input set: quantised types over their whole range, floats within their range."""
    xs = []
    for t in inputs:
        if t.dtype == DType.FLOAT32:
            lo, hi = (float_ranges or {}).get(t.tensor, (-1.0, 1.0))
            xs.append(rng.uniform(lo, hi, t.shape).astype(np.float32))
        elif t.dtype == DType.BOOL:
            xs.append(rng.integers(0, 2, t.shape).astype(np.bool_))
        else:
            info = np.iinfo(t.dtype.np)
            lo, hi = max(info.min, -(1 << 31)), min(info.max, (1 << 31) - 1)
            xs.append(rng.integers(lo, hi, t.shape, endpoint=True).astype(t.dtype.np))
    return xs


def tflm_min_arena(model: Path, hi: int = 4 * 1024 * 1024, step: int = 16) -> int:
    """The smallest arena (bytes, host build) TFLM accepts for `model`, by bisection (each probe in a
    worker: a too-small arena may crash TFLM)."""
    data = Path(model).read_bytes()
    zeros = [np.zeros(t.shape, t.dtype.np) for t in (read_model_bytes(data).main.tensors[i]
                                                      for i in read_model_bytes(data).main.inputs)]

    def ok(size: int) -> bool:
        try:
            with TflmReference(data, arena_size=size, name=Path(model).name) as ref:
                ref.run(zeros)
            return True
        except TflmError:
            return False
    lo = 0
    if not ok(hi):
        raise TflmError(f"TFLM cannot run {model} even with {hi} bytes", hint="a larger `hi`")
    while hi - lo > step:
        mid = (lo + hi) // 2
        if ok(mid):
            hi = mid
        else:
            lo = mid
    return hi


class IoAdapter:
    """Maps between a generated model's I/O and the reference model's when they differ in type:
    with int8 model I/O (``int8_io=1``) the device takes and returns the quantised tensors while the
    .tflite (and TFLM) keep float32 at the boundary. Inputs are generated in the device's types and
    dequantised exactly (float32) for TFLM, whose QUANTIZE then recovers them; reference float
    outputs are compared with the device's outputs dequantised as TFLM's DEQUANTIZE does."""

    def __init__(self, graph: Graph, inputs: Sequence[IOTensor], outputs: Sequence[IOTensor]) -> None:
        main = graph.main
        self.ref_in = [main.tensors[i].dtype for i in main.inputs]
        self.ref_out = [main.tensors[i].dtype for i in main.outputs]
        self.inputs, self.outputs = list(inputs), list(outputs)

    @staticmethod
    def _dequantize(q: np.ndarray, t: IOTensor) -> np.ndarray:
        return (q.astype(np.int32) - t.zero_point).astype(np.float32) * np.float32(t.scale)

    def to_reference(self, xs: Sequence[np.ndarray]) -> list[np.ndarray]:
        out = []
        for x, t, want in zip(xs, self.inputs, self.ref_in):
            out.append(self._dequantize(x, t) if t.dtype != want and want == DType.FLOAT32 else x)
        return out

    def device_as_reference(self, ys: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Device outputs in the reference's types (dequantised where the reference is float)."""
        out = []
        for y, t, want in zip(ys, self.outputs, self.ref_out):
            out.append(self._dequantize(y, t) if t.dtype != want and want == DType.FLOAT32 else y)
        return out
