"""Bit-exact comparison of generated code (built for the host) against the TFLM Python interpreter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.generate import GenerateOptions, compile_model
from codegen.host import HostModel
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
                  float_tol: float = 0.0) -> Comparison:
    """Run `samples` random inputs through the host build and TFLM; count differing outputs."""
    graph = read_model_bytes(model, source=f"{name}.tflite")
    compiled = compile_model(graph, options=GenerateOptions(prefix="m"))
    host = HostModel(compiled, workdir=workdir)
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
