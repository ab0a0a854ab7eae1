"""Debug mode: run the generated code one operator at a time and compare every intermediate tensor
with TFLM's (kPreserveAllTensors); name the first operator whose output diverges.

TFLM keeps every tensor alive in this mode: its arena is sized to the model's tensors
(codegen.reference.arena_for), and it runs in its worker process like every use of the reference."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel
from codegen.lowering import StorageKind
from codegen.reference import TflmReference, float_input_ranges, random_inputs
from codegen.tflite import read_model

FLOAT_RTOL = 1e-5


@dataclass(frozen=True)
class TensorDiff:
    op_index: int
    opcode: str
    tensor: int
    name: str
    max_abs_diff: float
    mismatched: int
    elements: int


@dataclass(frozen=True)
class DebugReport:
    samples: int
    compared: int  # tensors compared per sample
    first: TensorDiff | None  # the first divergence over all samples (in execution order)

    @property
    def ok(self) -> bool:
        return self.first is None


def debug_model(model: Path | bytes, samples: int = 3, seed: int = 0, name: str = "model") -> DebugReport:
    if isinstance(model, (bytes, bytearray)):
        from codegen.tflite import read_model_bytes
        graph = read_model_bytes(bytes(model), source=f"{name}.tflite")
        data = bytes(model)
    else:
        graph = read_model(model)
        data = Path(model).read_bytes()
        name = Path(model).name
    compiled = compile_model(graph, options=GenerateOptions(prefix="dbg", reuse_arena=False))
    ref = TflmReference(data, preserve_all=True, name=name if name.endswith(".tflite") else f"{name}.tflite")
    host = HostModel(compiled)
    rng = np.random.default_rng(seed)
    ranges = float_input_ranges(compiled.graph)
    first: TensorDiff | None = None
    compared = 0
    try:
        for _ in range(samples):
            xs = random_inputs(compiled.inputs, rng, ranges)
            ref.run(xs)
            host.set_inputs(xs)
            compared = 0
            for k, step in enumerate(compiled.steps):
                host.run_op(k)
                op = compiled.graph.main.operators[step.op_index]
                for t in op.outputs:
                    st = compiled.storage.get((0, t))
                    if st is None or st.kind != StorageKind.ARENA:
                        continue
                    got = host.read_tensor((0, t))
                    want = np.asarray(ref.tensor(t, 0)).reshape(got.shape)
                    compared += 1
                    diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
                    if got.dtype.kind == "f":
                        bad = diff > FLOAT_RTOL * np.maximum(1.0, np.abs(want.astype(np.float64)))
                    else:
                        bad = diff != 0
                    if bad.any():
                        d = TensorDiff(op_index=step.op_index, opcode=step.opcode, tensor=t,
                                       name=compiled.graph.main.tensors[t].name,
                                       max_abs_diff=float(diff.max()), mismatched=int(bad.sum()),
                                       elements=int(bad.size))
                        if first is None or d.op_index < first.op_index:
                            first = d
                        break
                if first is not None and first.op_index <= step.op_index:
                    break
    finally:
        host.close()
        ref.close()
    return DebugReport(samples=samples, compared=compared, first=first)
