"""Bit-exact comparison of generated code (built for the host) against the TFLM Python interpreter."""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel, variant_target
from codegen.lowering import CompiledModel
from codegen.planner.patches import MemoryMode
from codegen.reference import TflmReference, random_inputs
from codegen.tflite import read_model_bytes


@dataclass(frozen=True)
class Comparison:
    samples: int
    mismatches: int
    max_abs_diff: float
    first_bad: int | None

    @property
    def exact(self) -> bool:
        return self.mismatches == 0


@contextmanager
def _host_and_reference(model: bytes, name: str, workdir: Path | None, variant: str,
                        memory: MemoryMode = MemoryMode.BALANCED) -> Iterator[tuple[CompiledModel, HostModel,
                                                                                     TflmReference]]:
    """The model generated for `variant`'s kernels and built for the host, beside TFLM's interpreter."""
    graph = read_model_bytes(model, source=f"{name}.tflite")
    compiled = compile_model(graph, target=variant_target(variant), options=GenerateOptions(prefix="m", memory=memory))
    host = HostModel(compiled, workdir=workdir, variant=variant)
    try:
        yield compiled, host, TflmReference(model)
    finally:
        host.close()


def host_and_reference(model: bytes, name: str, variant: str = "reference", memory: MemoryMode = MemoryMode.BALANCED):
    """(compiled model, host build, TFLM interpreter) for tests that pick inputs and check outputs
    themselves (a context manager; the host build is closed on exit)."""
    return _host_and_reference(model, name, None, variant, memory)


def _agreement(got: list[np.ndarray], want: list[np.ndarray], float_tol: float) -> tuple[list[bool], float]:
    """Per output, whether the host's equals TFLM's (integers exactly, floats within
    float_tol * max(1, max |TFLM's|)); and the largest absolute difference over all outputs."""
    oks, worst = [], 0.0
    for g, w in zip(got, want):
        if g.dtype.kind == "f" and np.array_equal(g, w, equal_nan=True):
            oks.append(True)  # identical, infinities and NaNs included (RSQRT(0), LOG(0))
            continue
        diff = float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))) if g.size else 0.0
        worst = max(worst, diff)
        if g.dtype.kind == "f":
            oks.append(diff <= float_tol * max(1.0, float(np.max(np.abs(w)))))
        else:
            oks.append(bool(np.array_equal(g, w)))
    return oks, worst


class _Tally:
    """Mismatches counted over the runs of one comparison."""

    def __init__(self) -> None:
        self.bad, self.worst, self.first = 0, 0.0, None

    def add(self, k: int, mismatches: int, diff: float) -> None:
        """Run `k` had `mismatches` mismatches and a largest difference `diff`."""
        self.worst = max(self.worst, diff)
        if mismatches:
            self.bad += mismatches
            self.first = k if self.first is None else self.first

    def result(self, samples: int) -> Comparison:
        return Comparison(samples=samples, mismatches=self.bad, max_abs_diff=self.worst, first_bad=self.first)


def compare_bytes(model: bytes, name: str, samples: int = 20, seed: int = 0, workdir: Path | None = None,
                  float_tol: float = 0.0, variant: str = "reference",
                  memory: MemoryMode = MemoryMode.BALANCED) -> Comparison:
    """Run `samples` random inputs through the host build and TFLM; count differing outputs.
    `variant` picks the kernels: "reference", or "dsp" (the model generated for a DSP target);
    `memory` the memory option (`ram`: patch-based inference wherever it lowers RAM)."""
    tally = _Tally()
    rng = np.random.default_rng(seed)
    with _host_and_reference(model, name, workdir, variant, memory) as (compiled, host, ref):
        for k in range(samples):
            xs = random_inputs(compiled.inputs, rng)
            oks, diff = _agreement(host.run(xs), ref.run(xs), float_tol)
            tally.add(k, oks.count(False), diff)
    return tally.result(samples)


def compare_sequence(model: bytes, name: str, steps: int = 8, resets: tuple[int, ...] = (), seed: int = 0,
                     workdir: Path | None = None, float_tol: float = 0.0) -> Comparison:
    """Stateful models: run `steps` random inputs *in a row* through the host build and TFLM, both
    keeping their state between invokes; before each step listed in `resets`, call reset() on both.
    `samples` counts steps; a step mismatches when any output differs (as in compare_bytes)."""
    tally = _Tally()
    rng = np.random.default_rng(seed)
    with _host_and_reference(model, name, workdir, "reference") as (compiled, host, ref):
        for k in range(steps):
            if k in resets:
                host.reset()
                ref.reset()
            xs = random_inputs(compiled.inputs, rng)
            oks, diff = _agreement(host.run(xs), ref.run(xs), float_tol)
            tally.add(k, int(not all(oks)), diff)
    return tally.result(steps)


def compare_inputs(model: bytes, name: str, input_sets: list[list[np.ndarray]], workdir: Path | None = None,
                   float_tol: float = 0.0, variant: str = "reference") -> Comparison:
    """Like :func:`compare_bytes`, on given input sets instead of random ones (every int16 value,
    rounding ties): each set holds one array per model input."""
    tally = _Tally()
    with _host_and_reference(model, name, workdir, variant) as (compiled, host, ref):
        for k, xs in enumerate(input_sets):
            xs = [np.asarray(x, dtype=t.dtype.np).reshape(t.shape) for x, t in zip(xs, compiled.inputs)]
            oks, diff = _agreement(host.run(xs), ref.run(xs), float_tol)
            tally.add(k, int(not all(oks)), diff)
    return tally.result(len(input_sets))
