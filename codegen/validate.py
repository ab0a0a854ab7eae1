"""`test`: run N inputs on the target and compare every output with the TFLM reference interpreter.

Writes `validate.json` (samples, bit_exact, mismatches, max_abs_diff, per-output statistics,
accuracy when labels are given) and `junit.xml` beside the build; returns non-zero on a mismatch.

Tolerance: int8/int16/int32 outputs must be identical. float32 outputs are compared with
|got - want| <= FLOAT_RTOL * max(1, |want|): float kernels may sum in a different order than TFLM's
and newlib's expf/tanhf differ from glibc's in the last bit, which a few layers amplify to ~1e-6.
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from codegen.cli_show import run_request
from codegen.errors import McuforgeError
from codegen.hil.drivers import select_driver
from codegen.lowering import IOTensor
from codegen.pio.project import Project
from codegen.reference import TflmReference, float_input_ranges, random_inputs
from codegen.run import check_identity, infer_timeout, load_inputs, read_outputs
from codegen.term import kv, say

FLOAT_RTOL = 1e-5


@dataclass
class OutputStats:
    name: str
    dtype: str
    mismatched_samples: int = 0
    mismatched_elements: int = 0
    max_abs_diff: float = 0.0


@dataclass
class Validation:
    samples: int = 0
    mismatches: int = 0
    max_abs_diff: float = 0.0
    bit_exact: bool = True
    within_tolerance: bool = True
    outputs: list[OutputStats] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    device_correct: int = 0
    reference_correct: int = 0
    labelled: int = 0

    def as_dict(self) -> dict:
        d = {"samples": self.samples, "bit_exact": self.bit_exact, "within_tolerance": self.within_tolerance,
             "mismatches": self.mismatches, "max_abs_diff": self.max_abs_diff,
             "float_rtol": FLOAT_RTOL,
             "outputs": [vars(o) for o in self.outputs], "failures": self.failures[:20]}
        if self.labelled:
            d["accuracy"] = {"device": self.device_correct / self.labelled,
                             "reference": self.reference_correct / self.labelled, "labelled": self.labelled}
        return d


def compare(got: list[np.ndarray], want: list[np.ndarray], v: Validation, index: int) -> bool:
    ok_all = True
    for k, (g, w) in enumerate(zip(got, want)):
        w = np.asarray(w).reshape(g.shape)
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        worst = float(diff.max()) if diff.size else 0.0
        st = v.outputs[k]
        st.max_abs_diff = max(st.max_abs_diff, worst)
        v.max_abs_diff = max(v.max_abs_diff, worst)
        exact = bool(np.array_equal(g, w))
        if g.dtype.kind == "f":
            ok = bool(np.all(diff <= FLOAT_RTOL * np.maximum(1.0, np.abs(w.astype(np.float64)))))
        else:
            ok = exact
        if not exact:
            v.bit_exact = False
        if not ok:
            v.within_tolerance = False
            st.mismatched_samples += 1
            st.mismatched_elements += int(np.count_nonzero(diff))
            ok_all = False
            v.failures.append({"sample": index, "output": k, "max_abs_diff": worst,
                               "first_index": int(np.argmax(diff.reshape(-1)))})
    if not ok_all:
        v.mismatches += 1
    return ok_all


def sample_inputs(data: Path | None, inputs: tuple[IOTensor, ...], n: int, seed: int, graph_ranges: dict):
    """Yield (inputs, label) pairs: from .npz/.npy data (cycled), else random within the input's range."""
    if data is not None:
        if not data.is_file():
            raise McuforgeError(f"data file not found: {data}", hint="give data=FILE.npz (x, optional y) or FILE.npy")
        if data.suffix == ".npz":
            with np.load(data) as d:
                if "x" not in d:
                    raise McuforgeError(f"{data} has no array named 'x'",
                                        hint="save inputs as x (and labels as y): np.savez(f, x=..., y=...)")
                xs, ys = d["x"], (d["y"] if "y" in d else None)
        else:
            xs, ys = np.load(data), None
        if len(inputs) != 1:
            raise McuforgeError("data files feed single-input models only", hint="use random inputs (no data=)")
        t = inputs[0]
        per = int(np.prod(t.shape))
        if xs.size % per:
            raise McuforgeError(f"{data}: {xs.shape} does not split into inputs of shape {t.shape}",
                                hint="the first axis must index samples")
        xs = xs.reshape(-1, per)
        if xs.dtype != t.dtype.np:
            if t.dtype.np.kind == "i" and xs.dtype.kind == "f" and t.scale:
                info = np.iinfo(t.dtype.np)
                xs = np.clip(np.round(xs / t.scale) + t.zero_point, info.min, info.max)
            xs = xs.astype(t.dtype.np)
        for i in range(n):
            j = i % len(xs)
            yield (xs[j].reshape(t.shape),), (int(ys[j]) if ys is not None else None)
        return
    rng = np.random.default_rng(seed)
    for _ in range(n):
        yield tuple(random_inputs(inputs, rng, graph_ranges)), None


def write_junit(path: Path, suite: str, v: Validation, seconds: float) -> None:
    ts = ET.Element("testsuite", name=suite, tests=str(v.samples), failures=str(v.mismatches),
                    time=f"{seconds:.3f}")
    failed = {f["sample"]: f for f in v.failures}
    for i in range(v.samples):
        tc = ET.SubElement(ts, "testcase", classname=suite, name=f"sample_{i:05d}")
        if i in failed:
            f = failed[i]
            ET.SubElement(tc, "failure", message=f"output {f['output']} differs from TFLM "
                                                 f"(max abs diff {f['max_abs_diff']})")
    ET.ElementTree(ts).write(path, encoding="unicode", xml_declaration=True)


def validate_and_show(project: Project, args: dict) -> int:
    m = project.compiled
    n = int(args.get("samples", 20))
    data = Path(args["data"]) if args.get("data") else None
    seed = int(args.get("seed", 0))
    ref = TflmReference(project.model_path)
    v = Validation(outputs=[OutputStats(t.name, t.dtype.name.lower()) for t in m.outputs])
    request = run_request(args)
    driver = select_driver(project.board, request)
    start = time.monotonic()
    say(f"validating {project.model_path.name} on {project.board.name} against TFLM: {n} samples"
        + (f" from {data}" if data else " (random inputs)"))
    out_path = project.dir / "validate.json"
    try:
        with driver.session(project.board, project.firmware_elf, request) as session:
            dev = session.device
            info = dev.info()
            check_identity(info, project.board, m.sha256)
            ranges = float_input_ranges(m.graph)
            last = 0.0
            for i, (xs, label) in enumerate(sample_inputs(data, m.inputs, n, seed, ranges)):
                load_inputs(dev, xs)
                dev.infer(1, warmup=False, timeout=infer_timeout(m.macs, 1, request.timeout))
                got = read_outputs(dev, info, m.outputs)
                want = ref.run(list(xs))
                compare(got, want, v, i)
                v.samples += 1
                if label is not None:
                    v.labelled += 1
                    v.device_correct += int(np.argmax(got[0]) == label)
                    v.reference_correct += int(np.argmax(want[0]) == label)
                now = time.monotonic()
                if now - last > 2.0 or i + 1 == n:
                    say(f"  {i + 1}/{n} samples, {v.mismatches} mismatching")
                    last = now
            dev.exit(0, semihost=session.semihost)
    finally:
        result = v.as_dict() | {"board": project.board.name, "model": str(project.model_path),
                                "target": driver.name, "complete": v.samples == n}
        out_path.write_text(json.dumps(result, indent=2) + "\n")
        write_junit(project.dir / "junit.xml", f"mcuforge.{project.board.name}.{m.prefix}", v,
                    time.monotonic() - start)
    verdict = "bit-exact" if v.bit_exact else ("within float tolerance" if v.within_tolerance else "MISMATCH")
    kv("result", f"{verdict}: {v.samples - v.mismatches}/{v.samples} samples agree, max |diff| {v.max_abs_diff:g}")
    if v.labelled:
        kv("accuracy", f"device {v.device_correct / v.labelled:.3f}, TFLM {v.reference_correct / v.labelled:.3f} "
                       f"on {v.labelled} labelled samples")
    kv("wrote", f"{out_path} and junit.xml")
    return 0 if v.within_tolerance else 1
