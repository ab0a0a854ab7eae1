"""The golden reference: TensorFlow Lite Micro's own interpreter (PyPI ``tflite-micro``).

Arena sizes are generous (TFLM can crash the process when its arena is too small); the smallest
arena TFLM accepts is measured in a child process by :func:`tflm_min_arena`.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from codegen.ir import DType, Graph
from codegen.lowering import IOTensor

DEFAULT_ARENA = 8 * 1024 * 1024


class TflmReference:
    def __init__(self, model: bytes | Path, arena_size: int = DEFAULT_ARENA, preserve_all: bool = False) -> None:
        from tflite_micro.python.tflite_micro import runtime
        data = Path(model).read_bytes() if isinstance(model, Path) else bytes(model)
        cfg = runtime.InterpreterConfig.kPreserveAllTensors if preserve_all else \
            runtime.InterpreterConfig.kAllocationRecording
        self.it = runtime.Interpreter.from_bytes(data, arena_size=arena_size, intrepreter_config=cfg)
        from codegen.tflite import read_model_bytes
        main = read_model_bytes(data).main
        self.n_inputs, self.n_outputs = len(main.inputs), len(main.outputs)

    def run(self, inputs: Sequence[np.ndarray]) -> list[np.ndarray]:
        for k, x in enumerate(inputs):
            d = self.it.get_input_details(k)
            self.it.set_input(np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]), k)
        self.it.invoke()
        return [np.array(self.it.get_output(k)) for k in range(self.n_outputs)]

    def tensor(self, index: int, subgraph: int = 0) -> np.ndarray:
        """An intermediate tensor (needs preserve_all=True)."""
        got = self.it.GetTensor(index, subgraph)
        return np.array(got["tensor_data"] if isinstance(got, dict) else got)

    def reset(self) -> None:
        self.it.reset()


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


_PROBE = r"""
import sys
from tflite_micro.python.tflite_micro import runtime
import numpy as np
data = open(sys.argv[1], 'rb').read()
it = runtime.Interpreter.from_bytes(data, arena_size=int(sys.argv[2]))
k = 0
while True:
    try:
        d = it.get_input_details(k)
    except Exception:
        break
    it.set_input(np.zeros(d['shape'], d['dtype']), k)
    k += 1
it.invoke()
print('ok')
"""


def tflm_min_arena(model: Path, hi: int = 4 * 1024 * 1024, step: int = 16) -> int:
    """The smallest arena (bytes, host build) TFLM accepts for `model`, by bisection in child processes."""
    def ok(size: int) -> bool:
        r = subprocess.run([sys.executable, "-c", _PROBE, str(model), str(size)], capture_output=True,
                           text=True, timeout=120)
        return r.returncode == 0 and "ok" in r.stdout
    lo = 0
    if not ok(hi):
        raise RuntimeError(f"TFLM cannot run {model} even with {hi} bytes")
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
