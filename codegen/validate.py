"""`test`: run N inputs on the target and compare every output with the TFLM reference interpreter.

Writes `validate.json` (samples, bit_exact, mismatches, max_abs_diff, per-output statistics, latency
over the samples, accuracy when labels are given, the failure if the session broke, and
`float_reference`: the deployed model against its float model per output, see codegen.floatref) and `junit.xml`
(one test case per sample) beside the build, always: a session that fails part-way still writes the
samples it compared, marks the rest skipped and records the error. The exit status is non-zero on a
mismatch or an error.

Tolerance: int8/int16/int32 outputs must be identical. float32 outputs are compared with
|got - want| <= FLOAT_RTOL * max(1, |want|): float kernels may sum in a different order than TFLM's
and newlib's expf/tanhf differ from glibc's in the last bit, which a few layers amplify to ~1e-6.

Data: `data=FILE.npz` with `x` (inputs, first axis = samples; float data is quantised with the
input's scale and zero point) and optionally `y` (integer labels: top-1 accuracy of output 0 on the
device and in TFLM); or `data=FILE.npy`; or random inputs within the input's range (`seed=`).
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterator

import numpy as np

from codegen.cli_show import run_request
from codegen.errors import McuforgeError
from codegen.floatref import float_check, show_float_report
from codegen.hil.strategy import State, Strategy
from codegen.lowering import IOTensor
from codegen.origin import TensorLayout, read_origin
from codegen.pio.project import Project
from codegen.reference import TflmReference, float_input_ranges, random_inputs
from codegen.run import RunFailure, Stats, check_identity, failure_of, infer_timeout, load_inputs, read_outputs
from codegen.term import kv, say

FLOAT_RTOL = 1e-5
MAX_FAILURES_KEPT = 50


@dataclass
class OutputStats:
    name: str
    dtype: str
    shape: tuple[int, ...] = ()
    scale: float = 0.0
    mismatched_samples: int = 0
    mismatched_elements: int = 0
    max_abs_diff: float = 0.0
    mean_abs_diff: float = 0.0                # over every element of every sample
    max_abs_diff_real: float = 0.0            # dequantised (scale x raw difference): the error in real units
    top1_agree: int = 0                       # samples whose argmax equals TFLM's
    samples: int = 0
    _sum_abs: float = field(default=0.0, repr=False)
    _elements: int = field(default=0, repr=False)

    def as_dict(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if not k.startswith("_")}
        d["shape"] = list(self.shape)
        d["top1_agreement"] = self.top1_agree / self.samples if self.samples else None
        return d


@dataclass
class Validation:
    samples: int = 0
    requested: int = 0
    mismatches: int = 0
    max_abs_diff: float = 0.0
    bit_exact: bool = True
    within_tolerance: bool = True
    outputs: list[OutputStats] = field(default_factory=list)
    failures: list[dict] = field(default_factory=list)
    device_correct: int = 0
    reference_correct: int = 0
    labelled: int = 0
    counts: list[int] = field(default_factory=list)
    unit: str = ""
    per_tick: float = 0.0
    error: RunFailure | None = None
    seconds: float = 0.0

    @property
    def complete(self) -> bool:
        return self.error is None and self.samples == self.requested

    @property
    def passed(self) -> bool:
        return self.complete and self.within_tolerance

    def as_dict(self) -> dict:
        d = {"samples": self.samples, "requested": self.requested, "complete": self.complete,
             "passed": self.passed, "bit_exact": self.bit_exact and self.samples > 0,
             "within_tolerance": self.within_tolerance, "mismatches": self.mismatches,
             "max_abs_diff": self.max_abs_diff, "float_rtol": FLOAT_RTOL,
             "outputs": [o.as_dict() for o in self.outputs], "failures": self.failures[:MAX_FAILURES_KEPT],
             "seconds": round(self.seconds, 3)}
        if self.labelled:
            d["accuracy"] = {"device": self.device_correct / self.labelled,
                             "reference": self.reference_correct / self.labelled, "labelled": self.labelled}
        if self.counts:
            s = Stats.of([c * self.per_tick for c in self.counts])
            d["latency"] = {"unit": self.unit, **asdict(s)} if s else None
        d["error"] = asdict(self.error) if self.error else None
        return d


def compare(got: list[np.ndarray], want: list[np.ndarray], v: Validation, index: int) -> bool:
    ok_all = True
    for k, (g, w) in enumerate(zip(got, want)):
        w = np.asarray(w).reshape(g.shape)
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        worst = float(diff.max()) if diff.size else 0.0
        st = v.outputs[k]
        st.samples += 1
        st.max_abs_diff = max(st.max_abs_diff, worst)
        st.max_abs_diff_real = max(st.max_abs_diff_real, worst * (st.scale if st.scale and g.dtype.kind in "iu" else 1.0))
        st._sum_abs += float(diff.sum())
        st._elements += int(diff.size)
        st.mean_abs_diff = st._sum_abs / st._elements if st._elements else 0.0
        if g.size and int(np.argmax(g)) == int(np.argmax(w)):
            st.top1_agree += 1
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
            first = int(np.argmax(diff.reshape(-1)))
            v.failures.append({"sample": index, "output": k, "max_abs_diff": worst, "first_index": first,
                               "device": g.reshape(-1)[first].item(), "reference": w.reshape(-1)[first].item()})
    if not ok_all:
        v.mismatches += 1
    return ok_all


def sample_inputs(data: Path | None, inputs: tuple[IOTensor, ...], n: int, seed: int,
                  graph_ranges: dict, layout: TensorLayout | None = None
                  ) -> Iterator[tuple[tuple[np.ndarray, ...], int | None]]:
    """Yield (inputs, label) pairs: from .npz/.npy data (cycled), else random within the input's range.
    `layout`: the data are in the source model's layout (an ONNX model's NCHW), moved to the model's."""
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
        if layout is not None:
            xs = layout.to_model(xs)
        per = int(np.prod(t.shape))
        if xs.size % per:
            raise McuforgeError(f"{data}: {xs.shape} does not split into inputs of shape {t.shape}",
                                hint="the first axis must index samples")
        xs = xs.reshape(-1, per)
        if ys is not None and len(ys) != len(xs):
            raise McuforgeError(f"{data}: {len(xs)} inputs but {len(ys)} labels", hint="x and y must pair up")
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


def _primed(it: Iterator) -> Iterator:
    """The same items, with the first one (and the checks before it) computed now."""
    first = next(it)

    def gen() -> Iterator:
        yield first
        yield from it
    return gen()


def write_junit(path: Path, suite: str, v: Validation, seconds: float, properties: dict | None = None) -> None:
    errors = 1 if v.error is not None else 0
    skipped = max(0, v.requested - v.samples)
    ts = ET.Element("testsuite", name=suite, tests=str(v.requested + errors), failures=str(v.mismatches),
                    errors=str(errors), skipped=str(skipped), time=f"{seconds:.3f}")
    props = ET.SubElement(ts, "properties")
    for k, val in (properties or {}).items():
        ET.SubElement(props, "property", name=k, value=str(val))
    if v.labelled:
        ET.SubElement(props, "property", name="accuracy_device", value=f"{v.device_correct / v.labelled:.6f}")
        ET.SubElement(props, "property", name="accuracy_reference", value=f"{v.reference_correct / v.labelled:.6f}")
    failed: dict[int, list[dict]] = {}
    for f in v.failures:
        failed.setdefault(f["sample"], []).append(f)
    for i in range(v.requested):
        tc = ET.SubElement(ts, "testcase", classname=suite, name=f"sample_{i:05d}")
        if i >= v.samples:
            ET.SubElement(tc, "skipped", message="not run: the session failed before this sample")
        elif i in failed:
            fs = failed[i]
            el = ET.SubElement(tc, "failure", message="; ".join(
                f"output {f['output']} differs from TFLM (max abs diff {f['max_abs_diff']:g})" for f in fs))
            el.text = "\n".join(f"output {f['output']}[{f['first_index']}]: device {f['device']}, "
                                f"TFLM {f['reference']}" for f in fs)
    if v.error is not None:
        tc = ET.SubElement(ts, "testcase", classname=suite, name="session")
        el = ET.SubElement(tc, "error", message=f"{v.error.kind}: {v.error.message}"[:500], type=v.error.kind)
        el.text = "\n".join(f"{k}=0x{r:08x}" for k, r in v.error.registers.items()) or v.error.target_log[-2000:]
    ET.ElementTree(ts).write(path, encoding="unicode", xml_declaration=True)


def validate(project: Project, args: dict, progress: bool = True) -> Validation:
    """Run the samples on the target and compare; writes validate.json and junit.xml (always)."""
    m = project.compiled
    n = int(args.get("samples", 20))
    if n < 1:
        raise McuforgeError(f"samples={n}", hint="give samples=N with N >= 1")
    data = Path(args["data"]) if args.get("data") else None
    seed = int(args.get("seed", 0))
    ref = TflmReference(project.model_path)
    v = Validation(requested=n, outputs=[OutputStats(t.name, t.dtype.name.lower(), tuple(t.shape), t.scale)
                                         for t in m.outputs])
    request = run_request(args, project)
    strategy = Strategy(project.board, project.firmware_elf, request)
    start = time.monotonic()
    if progress:
        say(f"validating {project.model_path.name} on {project.board.name} against TFLM: {n} samples"
            + (f" from {data}" if data else " (random inputs)"))
    origin = read_origin(project.model_path)
    layout = origin.inputs[0] if origin is not None and len(origin.inputs) == 1 else None
    samples = _primed(sample_inputs(data, m.inputs, n, seed, float_input_ranges(m.graph), layout))  # bad data: raise now
    floats = float_check(project.model_path, m.inputs, m.outputs, data)
    try:
        with strategy:
            session = strategy.transition(State.RUNNING)
            assert session is not None
            dev = session.device
            v.unit, v.per_tick = session.unit.name, session.unit.per_tick
            info = dev.info()
            check_identity(info, project.board, m.sha256)
            last = 0.0
            for i, (xs, label) in enumerate(samples):
                load_inputs(dev, xs)
                v.counts += dev.infer(1, warmup=False, timeout=infer_timeout(m.macs, 1, request.timeout))
                got = read_outputs(dev, info, m.outputs)
                want = ref.run(list(xs))
                compare(got, want, v, i)
                if floats is not None:
                    floats.add(i, xs, got)
                v.samples += 1
                if label is not None:
                    v.labelled += 1
                    v.device_correct += int(np.argmax(got[0]) == label)
                    v.reference_correct += int(np.argmax(want[0]) == label)
                now = time.monotonic()
                if progress and (now - last > 2.0 or i + 1 == n):
                    say(f"  {i + 1}/{n} samples, {v.mismatches} mismatching")
                    last = now
    except (McuforgeError, EOFError, OSError) as exc:
        v.error = failure_of(exc, project.firmware_elf)
        if strategy.stopped is not None and strategy.stopped.log:
            from dataclasses import replace
            v.error = replace(v.error, target_log=strategy.stopped.log)
    finally:
        v.seconds = time.monotonic() - start
        props = {"board": project.board.name, "model": project.model_path.name, "sha256": m.sha256,
                 "target": strategy.driver.name}
        result = v.as_dict() | props | {"float_reference": floats.report().as_json() if floats else None}
        (project.dir / "validate.json").write_text(json.dumps(result, indent=2) + "\n")
        write_junit(project.dir / "junit.xml", f"mcuforge.{project.board.name}.{m.prefix}", v, v.seconds,
                    props | {"bit_exact": v.bit_exact})
    return v


def validate_and_show(project: Project, args: dict) -> int:
    """`scons test`: validate, print the verdict; 0 only when every sample agrees and none is missing."""
    v = validate(project, args)
    if v.error is not None:
        kv("FAILED", f"{v.error.kind}: {v.error.message}" + (f" (pc in {v.error.location})" if v.error.location else ""))
    verdict = "bit-exact" if v.bit_exact and v.samples else ("within float tolerance" if v.within_tolerance
                                                              else "MISMATCH")
    kv("result", f"{verdict}: {v.samples - v.mismatches}/{v.samples} samples agree"
       + (f" ({v.requested - v.samples} not run)" if v.samples < v.requested else "")
       + f", max |diff| {v.max_abs_diff:g}")
    for o in v.outputs:
        if o.mismatched_samples:
            kv("", f"{o.name}: {o.mismatched_samples} samples, {o.mismatched_elements} elements differ; "
                   f"max |diff| {o.max_abs_diff:g} ({o.max_abs_diff_real:g} dequantised), top-1 agrees on "
                   f"{o.top1_agree}/{o.samples}")
    if v.labelled:
        kv("accuracy", f"device {v.device_correct / v.labelled:.3f}, TFLM {v.reference_correct / v.labelled:.3f} "
                       f"on {v.labelled} labelled samples")
    show_float_report(project.dir / "validate.json")
    if (project.dir / "run.json").is_file():         # report.md shows the metrics of the last validation
        from codegen.reports.run_report import write_build_run_report
        from codegen.run import read_run
        write_build_run_report(read_run(project.dir / "run.json"), project.dir)
    kv("wrote", f"{project.dir / 'validate.json'} and junit.xml")
    return 0 if v.passed else 1
