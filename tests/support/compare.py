"""Bit-exact comparison of generated code (built for the host) against the TFLM Python interpreter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel, variant_target
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


def compare_bytes(model: bytes, name: str, samples: int = 20, seed: int = 0, workdir: Path | None = None,
                  float_tol: float = 0.0, variant: str = "reference") -> Comparison:
    """Run `samples` random inputs through the host build and TFLM; count differing outputs.
    `variant` picks the kernels: "reference", or "dsp" (the model generated for a DSP target)."""
    graph = read_model_bytes(model, source=f"{name}.tflite")
    compiled = compile_model(graph, target=variant_target(variant), options=GenerateOptions(prefix="m"))
    host = HostModel(compiled, workdir=workdir, variant=variant)
    ref = TflmReference(model)
    rng = np.random.default_rng(seed)
    bad, worst, first = 0, 0.0, None
    try:
        for k in range(samples):
            xs = random_inputs(compiled.inputs, rng)
            got = host.run(xs)
            want = ref.run(xs)
            for g, w in zip(got, want):
                diff = float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))) if g.size else 0.0
                worst = max(worst, diff)
                if g.dtype.kind == "f":
                    scale = max(1.0, float(np.max(np.abs(w))))
                    ok = diff <= float_tol * scale
                else:
                    ok = np.array_equal(g, w)
                if not ok:
                    bad += 1
                    first = k if first is None else first
    finally:
        host.close()
    return Comparison(samples=samples, mismatches=bad, max_abs_diff=worst, first_bad=first)


def compare_sequence(model: bytes, name: str, steps: int = 8, resets: tuple[int, ...] = (), seed: int = 0,
                     workdir: Path | None = None, float_tol: float = 0.0) -> Comparison:
    """Stateful models: run `steps` random inputs *in a row* through the host build and TFLM, both
    keeping their state between invokes; before each step listed in `resets`, call reset() on both.
    `samples` counts steps; a step mismatches when any output differs (as in compare_bytes)."""
    graph = read_model_bytes(model, source=f"{name}.tflite")
    compiled = compile_model(graph, options=GenerateOptions(prefix="m"))
    host = HostModel(compiled, workdir=workdir)
    ref = TflmReference(model)
    rng = np.random.default_rng(seed)
    bad, worst, first = 0, 0.0, None
    try:
        for k in range(steps):
            if k in resets:
                host.reset()
                ref.reset()
            xs = random_inputs(compiled.inputs, rng)
            got, want = host.run(xs), ref.run(xs)
            ok_all = True
            for g, w in zip(got, want):
                diff = float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))) if g.size else 0.0
                worst = max(worst, diff)
                if g.dtype.kind == "f":
                    ok_all &= diff <= float_tol * max(1.0, float(np.max(np.abs(w))))
                else:
                    ok_all &= bool(np.array_equal(g, w))
            if not ok_all:
                bad += 1
                first = k if first is None else first
    finally:
        host.close()
    return Comparison(samples=steps, mismatches=bad, max_abs_diff=worst, first_bad=first)


def compare_inputs(model: bytes, name: str, input_sets: list[list[np.ndarray]], workdir: Path | None = None,
                   float_tol: float = 0.0, variant: str = "reference") -> Comparison:
    """Like :func:`compare_bytes`, on given input sets instead of random ones (every int16 value,
    rounding ties): each set holds one array per model input."""
    graph = read_model_bytes(model, source=f"{name}.tflite")
    compiled = compile_model(graph, target=variant_target(variant), options=GenerateOptions(prefix="m"))
    host = HostModel(compiled, workdir=workdir, variant=variant)
    ref = TflmReference(model)
    bad, worst, first = 0, 0.0, None
    try:
        for k, xs in enumerate(input_sets):
            xs = [np.asarray(x, dtype=t.dtype.np).reshape(t.shape) for x, t in zip(xs, compiled.inputs)]
            ok_all = True
            for g, w in zip(host.run(xs), ref.run(xs)):
                diff = float(np.max(np.abs(g.astype(np.float64) - w.astype(np.float64)))) if g.size else 0.0
                worst = max(worst, diff)
                if g.dtype.kind == "f":
                    ok_all &= diff <= float_tol * max(1.0, float(np.max(np.abs(w))))
                else:
                    ok_all &= bool(np.array_equal(g, w))
            if not ok_all:
                bad += 1
                first = k if first is None else first
    finally:
        host.close()
    return Comparison(samples=len(input_sets), mismatches=bad, max_abs_diff=worst, first_bad=first)
