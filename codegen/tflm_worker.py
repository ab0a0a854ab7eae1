"""The child process that runs TensorFlow Lite Micro's interpreter for :mod:`codegen.reference`.

`python -m codegen.tflm_worker FD LIMIT`: serves requests on the connection at file descriptor FD
(a socket, :mod:`multiprocessing.connection` framing) with its address space capped at LIMIT bytes
(RLIMIT_AS), and dies with its parent. TFLM's crashes (a segfault on a model it mis-sizes, an abort)
end this process only; the parent turns them into errors that name the model.

Requests are tuples, replies ``("ok", value)`` or ``("error", message)``:

| request | reply value |
|---|---|
| `("load", model_bytes, arena_size, preserve_all)` | the number of inputs and outputs |
| `("run", [input arrays])` | the output arrays |
| `("tensor", index, subgraph)` | an intermediate tensor (preserve_all) |
| `("reset",)` | None |
| `("status",)` | the last invoke's TfLiteStatus (0; kTfLiteAbort when CIRCULAR_BUFFER ended it early) |

The process serves one model at a time and loads the next one on request, so one worker serves
many models (importing TFLM costs a second or two).
"""

from __future__ import annotations

import os
import resource
import sys
from multiprocessing.connection import Connection
from typing import Any

import numpy as np


def _die_with_parent(parent: int) -> None:
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


class _Model:
    def __init__(self, runtime: Any, data: bytes, arena_size: int, preserve_all: bool) -> None:
        cfg = runtime.InterpreterConfig.kPreserveAllTensors if preserve_all else \
            runtime.InterpreterConfig.kAllocationRecording
        self.it = runtime.Interpreter.from_bytes(data, arena_size=arena_size, intrepreter_config=cfg)
        self.status = 0
        self.inputs = self._details(self.it.get_input_details)
        self.outputs = self._details(self.it.get_output_details)

    @staticmethod
    def _details(get: Any) -> list[dict]:
        out = []
        while True:
            try:
                out.append(get(len(out)))
            except (IndexError, RuntimeError, ValueError):
                return out

    def run(self, xs: list[np.ndarray]) -> list[np.ndarray]:
        if len(xs) != len(self.inputs):
            raise ValueError(f"{len(xs)} inputs given, the model takes {len(self.inputs)}")
        for k, (x, d) in enumerate(zip(xs, self.inputs)):
            self.it.set_input(np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]), k)
        self.status = int(self.it.invoke())
        return [np.array(self.it.get_output(k)) for k in range(len(self.outputs))]

    def tensor(self, index: int, subgraph: int) -> np.ndarray:
        got = self.it.GetTensor(index, subgraph)
        return np.array(got["tensor_data"] if isinstance(got, dict) else got)


def serve(conn: Connection) -> None:
    from tflite_micro.python.tflite_micro import runtime
    model: _Model | None = None
    while True:
        try:
            request = conn.recv()
        except (EOFError, OSError):
            return
        try:
            op = request[0]
            if op == "load":
                model = None  # free the previous interpreter first
                model = _Model(runtime, request[1], request[2], request[3])
                reply: Any = (len(model.inputs), len(model.outputs))
            elif model is None:
                raise RuntimeError("no model loaded")
            elif op == "run":
                reply = model.run(request[1])
            elif op == "tensor":
                reply = model.tensor(request[1], request[2])
            elif op == "reset":
                model.it.reset()
                reply = None
            elif op == "status":
                reply = model.status
            else:
                raise ValueError(f"unknown request {op!r}")
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the parent as a message
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            continue
        conn.send(("ok", reply))


def main(argv: list[str]) -> int:
    fd, limit, parent = int(argv[1]), int(argv[2]), int(argv[3])
    _die_with_parent(parent)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    serve(Connection(fd))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
