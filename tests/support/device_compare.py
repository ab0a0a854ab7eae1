"""Compare a built firmware, through the device protocol, with the TFLM interpreter."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from codegen.hil.records import RunRequest
from codegen.hil.strategy import running
from codegen.pio.project import Project
from codegen.reference import IoAdapter, TflmReference, float_input_ranges, random_inputs

FLOAT_RTOL = 1e-5  # see codegen/validate.py for the justification


@dataclass(frozen=True)
class DeviceComparison:
    samples: int
    mismatches: int
    max_abs_diff: float
    instructions: int | None


def compare_on_device(project: Project, firmware: Path, samples: int, seed: int = 0,
                      request: RunRequest = RunRequest(timeout=60)) -> DeviceComparison:
    m = project.compiled
    ref = TflmReference(project.model_path)
    rng = np.random.default_rng(seed)
    ranges = float_input_ranges(m.graph)
    from codegen.tflite import read_model
    adapter = IoAdapter(read_model(project.model_path), m.inputs, m.outputs)
    bad, worst, counts = 0, 0.0, []
    with running(project.board, firmware, request) as s:
        dev = s.device
        assert dev.info().sha256 == m.sha256
        for _ in range(samples):
            xs = random_inputs(m.inputs, rng, ranges)
            for k, x in enumerate(xs):
                dev.load(k, np.ascontiguousarray(x).tobytes())
            counts += dev.infer(1, warmup=False, timeout=request.timeout)
            raw = [np.frombuffer(dev.results(k, t.nbytes), dtype=t.dtype.np).reshape(t.shape)
                   for k, t in enumerate(m.outputs)]
            for t, got, want in zip(m.outputs, adapter.device_as_reference(raw), ref.run(adapter.to_reference(xs))):
                want = np.asarray(want).reshape(t.shape)
                diff = np.abs(got.astype(np.float64) - want.astype(np.float64))
                worst = max(worst, float(diff.max()) if diff.size else 0.0)
                if got.dtype.kind == "f":
                    ok = bool(np.all(diff <= FLOAT_RTOL * np.maximum(1.0, np.abs(want.astype(np.float64)))))
                else:
                    ok = bool(np.array_equal(got, want))
                bad += int(not ok)
        dev.exit(0, semihost=s.semihost)
    per = s.unit.per_tick if s.unit.name == "instructions" else None
    return DeviceComparison(samples=samples, mismatches=bad, max_abs_diff=worst,
                            instructions=int(np.median(counts) * per) if per else None)


def run_on_device(project: Project, firmware: Path, input_sets: list[list[np.ndarray]],
                  request: RunRequest = RunRequest(timeout=60)) -> list[list[np.ndarray]]:
    """The raw outputs of the firmware for each given input set (one array per model input, in the
    model's own types), for tests that pick their inputs and their oracle."""
    m = project.compiled
    out = []
    with running(project.board, firmware, request) as s:
        dev = s.device
        assert dev.info().sha256 == m.sha256
        for xs in input_sets:
            for k, (x, t) in enumerate(zip(xs, m.inputs)):
                dev.load(k, np.ascontiguousarray(np.asarray(x, dtype=t.dtype.np).reshape(t.shape)).tobytes())
            dev.infer(1, warmup=False, timeout=request.timeout)
            out.append([np.frombuffer(dev.results(k, t.nbytes), dtype=t.dtype.np).reshape(t.shape).copy()
                        for k, t in enumerate(m.outputs)])
        dev.exit(0, semihost=s.semihost)
    return out
