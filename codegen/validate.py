"""`test`: run N inputs on the target and compare every output with the TFLM reference interpreter.

Writes a :class:`Validation` (samples, bit_exact, mismatches, max_abs_diff, per-output statistics,
latency over the samples, accuracy when labels are given, the failure if the session broke, and
`float_reference`: the deployed model against its float model per output, see codegen.floatref),
`junit.xml` (one test case per sample that ran) and the reports `validate.md`/`validate.html`
(codegen.reports.validate_report) beside the build, always: `validate.json` when every
requested sample was compared, else `validate.failed.json` beside the last complete `validate.json`
(which stays), with the samples compared before the session broke (or Ctrl-C stopped it), the
error, and a junit case saying how many samples did not run. The exit status is non-zero on a
mismatch or an error.

Tolerance: int8/int16/int32 outputs must be identical. float32 outputs are compared with
|got - want| <= FLOAT_RTOL * max(1, |want|): float kernels may sum in a different order than TFLM's
and newlib's expf/tanhf differ from glibc's in the last bit, which a few layers amplify to ~1e-6.

Data: `data=FILE.npz` with `x` (inputs, first axis = samples; float data is quantised with the
input's scale and zero point; see :mod:`codegen.inputs` for what is refused) and optionally `y`
(integer labels: top-1 accuracy of output 0 on the device and in TFLM); or `data=FILE.npy`; or
random inputs within the input's range (`seed=`).
"""

from __future__ import annotations

import json
import time
import xml.etree.ElementTree as ET
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from codegen.errors import McuforgeError
from codegen.files import write_text_atomic
from codegen.floatref import FloatReport, float_check
from codegen.hil.strategy import State, Strategy
from codegen.inputs import fit, read_data, source_layout
from codegen.lowering import IOTensor
from codegen.origin import TensorLayout
from codegen.options import ValidateOptions
from codegen.pio.project import Project
from codegen.reference import TflmReference, float_input_ranges, random_inputs
from codegen.run import (RunFailure, Stats, check_identity, ending, failure_of, infer_timeout, load_inputs,
                         read_outputs, request_for)
from codegen.term import kv_line, say

FLOAT_RTOL = 1e-5
MAX_FAILURES_KEPT = 50
FILE = "validate.json"
FAILED_FILE = "validate.failed.json"


@dataclass(frozen=True)
class Mismatch:
    """One output of one sample that differs from TFLM: where first, and the two values there."""

    sample: int
    output: int
    max_abs_diff: float
    first_index: int
    device: float
    reference: float


@dataclass(frozen=True)
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

    @property
    def top1_agreement(self) -> float | None:
        return self.top1_agree / self.samples if self.samples else None

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"shape": list(self.shape), "top1_agreement": self.top1_agreement}

    @staticmethod
    def from_json(d: dict[str, Any]) -> "OutputStats":
        return OutputStats(**{k: (tuple(v) if k == "shape" else v) for k, v in d.items()
                              if k in OutputStats.__dataclass_fields__})


@dataclass(frozen=True)
class Validation:
    """What `test` found; `validate.json` (or `validate.failed.json`) is :meth:`to_json`."""

    board: str = ""
    model: str = ""
    sha256: str = ""
    target: str = ""                          # the driver: host, qemu, device, attach
    samples: int = 0                          # compared
    requested: int = 0
    mismatches: int = 0                       # samples with an output out of tolerance
    max_abs_diff: float = 0.0
    bit_exact: bool = False                   # every output of every compared sample identical (and one compared)
    within_tolerance: bool = True
    outputs: tuple[OutputStats, ...] = ()
    failures: tuple[Mismatch, ...] = ()       # the first MAX_FAILURES_KEPT
    device_correct: int = 0
    reference_correct: int = 0
    labelled: int = 0
    unit: str = ""
    latency: Stats | None = None              # per sample, in `unit`
    error: RunFailure | None = None
    seconds: float = 0.0
    float_reference: FloatReport | None = None  # the deployed model against its float model

    @property
    def complete(self) -> bool:
        return self.error is None and self.samples == self.requested

    @property
    def passed(self) -> bool:
        return self.complete and self.within_tolerance

    @property
    def file_name(self) -> str:
        return FILE if self.complete else FAILED_FILE

    def to_json(self) -> dict[str, Any]:
        d: dict[str, Any] = {
            "samples": self.samples, "requested": self.requested, "complete": self.complete, "passed": self.passed,
            "bit_exact": self.bit_exact, "within_tolerance": self.within_tolerance, "mismatches": self.mismatches,
            "max_abs_diff": self.max_abs_diff, "float_rtol": FLOAT_RTOL,
            "outputs": [o.to_json() for o in self.outputs], "failures": [asdict(f) for f in self.failures],
            "seconds": round(self.seconds, 3)}
        if self.labelled:
            d["accuracy"] = {"device": self.device_correct / self.labelled,
                             "reference": self.reference_correct / self.labelled, "labelled": self.labelled}
        if self.latency is not None:
            d["latency"] = {"unit": self.unit, **asdict(self.latency)}
        d["error"] = asdict(self.error) if self.error else None
        return d | {"board": self.board, "model": self.model, "sha256": self.sha256, "target": self.target,
                    "float_reference": self.float_reference.as_json() if self.float_reference else None}

    @staticmethod
    def from_json(d: dict[str, Any]) -> "Validation":
        acc = d.get("accuracy") or {}
        labelled = int(acc.get("labelled", 0))
        lat = dict(d.get("latency") or {})
        unit = str(lat.pop("unit", ""))
        err = d.get("error")
        return Validation(
            board=d.get("board", ""), model=d.get("model", ""), sha256=d.get("sha256", ""), target=d.get("target", ""),
            samples=int(d["samples"]), requested=int(d["requested"]), mismatches=int(d["mismatches"]),
            max_abs_diff=float(d["max_abs_diff"]), bit_exact=bool(d["bit_exact"]),
            within_tolerance=bool(d["within_tolerance"]),
            outputs=tuple(OutputStats.from_json(o) for o in d.get("outputs", ())),
            failures=tuple(Mismatch(**f) for f in d.get("failures", ())),
            device_correct=round(acc.get("device", 0.0) * labelled), labelled=labelled,
            reference_correct=round(acc.get("reference", 0.0) * labelled),
            unit=unit, latency=Stats(**lat) if lat else None,
            error=None if err is None else RunFailure(**{k: v for k, v in err.items()
                                                         if k in RunFailure.__dataclass_fields__}),
            seconds=float(d.get("seconds", 0.0)),
            float_reference=FloatReport.from_json(d["float_reference"]) if d.get("float_reference") else None)


def read_validation(path: Path) -> Validation:
    return Validation.from_json(json.loads(Path(path).read_text()))


@dataclass
class _OutputTally:
    stats: OutputStats
    sum_abs: float = 0.0
    elements: int = 0


@dataclass
class Tally:
    """The running counts while samples are compared; :meth:`freeze` makes the record."""

    requested: int
    outputs: list[_OutputTally]
    samples: int = 0
    mismatches: int = 0
    max_abs_diff: float = 0.0
    exact: bool = True
    within_tolerance: bool = True
    failures: list[Mismatch] = field(default_factory=list)
    failed_samples: list[int] = field(default_factory=list)
    device_correct: int = 0
    reference_correct: int = 0
    labelled: int = 0
    counts: list[int] = field(default_factory=list)
    unit: str = ""
    per_tick: float = 0.0
    error: RunFailure | None = None

    def freeze(self, seconds: float, **about: str) -> Validation:
        lat = Stats.of([c * self.per_tick for c in self.counts]) if self.counts else None
        return Validation(samples=self.samples, requested=self.requested, mismatches=self.mismatches,
                          max_abs_diff=self.max_abs_diff, bit_exact=self.exact and self.samples > 0,
                          within_tolerance=self.within_tolerance, outputs=tuple(o.stats for o in self.outputs),
                          failures=tuple(self.failures[:MAX_FAILURES_KEPT]), device_correct=self.device_correct,
                          reference_correct=self.reference_correct, labelled=self.labelled, unit=self.unit,
                          latency=lat, error=self.error, seconds=round(seconds, 3), **about)


def compare(got: list[np.ndarray], want: list[np.ndarray], v: Tally, index: int) -> bool:
    ok_all = True
    for k, (g, w) in enumerate(zip(got, want)):
        w = np.asarray(w).reshape(g.shape)
        diff = np.abs(g.astype(np.float64) - w.astype(np.float64))
        worst = float(diff.max()) if diff.size else 0.0
        o = v.outputs[k]
        st = o.stats
        o.sum_abs += float(diff.sum())
        o.elements += int(diff.size)
        exact = bool(np.array_equal(g, w))
        if g.dtype.kind == "f":
            ok = bool(np.all(diff <= FLOAT_RTOL * np.maximum(1.0, np.abs(w.astype(np.float64)))))
        else:
            ok = exact
        st = replace(st, samples=st.samples + 1, max_abs_diff=max(st.max_abs_diff, worst),
                     max_abs_diff_real=max(st.max_abs_diff_real,
                                           worst * (st.scale if st.scale and g.dtype.kind in "iu" else 1.0)),
                     mean_abs_diff=o.sum_abs / o.elements if o.elements else 0.0,
                     top1_agree=st.top1_agree + int(bool(g.size) and int(np.argmax(g)) == int(np.argmax(w))))
        v.max_abs_diff = max(v.max_abs_diff, worst)
        if not exact:
            v.exact = False
        if not ok:
            v.within_tolerance = False
            st = replace(st, mismatched_samples=st.mismatched_samples + 1,
                         mismatched_elements=st.mismatched_elements + int(np.count_nonzero(diff)))
            ok_all = False
            if len(v.failures) < MAX_FAILURES_KEPT:
                first = int(np.argmax(diff.reshape(-1)))
                v.failures.append(Mismatch(sample=index, output=k, max_abs_diff=worst, first_index=first,
                                           device=g.reshape(-1)[first].item(), reference=w.reshape(-1)[first].item()))
        o.stats = st
    if not ok_all:
        v.mismatches += 1
        v.failed_samples.append(index)
    return ok_all


def sample_inputs(data: Path | None, inputs: tuple[IOTensor, ...], n: int, seed: int, graph_ranges: dict,
                  layout: TensorLayout | None = None) -> Iterator[tuple[tuple[np.ndarray, ...], int | None]]:
    """(inputs, label) pairs: from .npz/.npy data (cycled), else random within the input's range. The
    data is read and checked against the model's input now, before the first pair is asked for.
    `layout`: the data are in the source model's layout (an ONNX model's NCHW), moved to the model's."""
    if data is None:
        rng = np.random.default_rng(seed)
        return ((tuple(random_inputs(inputs, rng, graph_ranges)), None) for _ in range(n))
    if len(inputs) != 1:
        raise McuforgeError(f"data={data}: data files feed single-input models only "
                            f"(this one has {len(inputs)} inputs)", hint="use random inputs (no data=)")
    ds = read_data(data, "data=")
    xs = fit(ds, inputs[0], "data=", layout)
    ys = ds.y
    return (((xs[i % len(xs)],), int(ys[i % len(xs)]) if ys is not None else None) for i in range(n))


def write_junit(path: Path, suite: str, v: Validation, properties: dict | None = None,
                failed_samples: tuple[int, ...] = ()) -> Path:
    """One test case per sample that ran (failed ones with what differs), one `session` error case
    when the session broke, one skipped case counting the samples that did not run."""
    errors = 1 if v.error is not None else 0
    not_run = max(0, v.requested - v.samples)
    ts = ET.Element("testsuite", name=suite, tests=str(v.samples + errors + (1 if not_run else 0)),
                    failures=str(v.mismatches), errors=str(errors), skipped=str(1 if not_run else 0),
                    time=f"{v.seconds:.3f}")
    props = ET.SubElement(ts, "properties")
    for k, val in (properties or {}).items():
        ET.SubElement(props, "property", name=k, value=str(val))
    if v.labelled:
        ET.SubElement(props, "property", name="accuracy_device", value=f"{v.device_correct / v.labelled:.6f}")
        ET.SubElement(props, "property", name="accuracy_reference", value=f"{v.reference_correct / v.labelled:.6f}")
    details: dict[int, list[Mismatch]] = {}
    for f in v.failures:
        details.setdefault(f.sample, []).append(f)
    failed = set(failed_samples) | set(details)
    for i in range(v.samples):
        tc = ET.SubElement(ts, "testcase", classname=suite, name=f"sample_{i:05d}")
        if i in details:
            fs = details[i]
            el = ET.SubElement(tc, "failure", message="; ".join(
                f"output {f.output} differs from TFLM (max abs diff {f.max_abs_diff:g})" for f in fs))
            el.text = "\n".join(f"output {f.output}[{f.first_index}]: device {f.device}, TFLM {f.reference}"
                                for f in fs)
        elif i in failed:
            ET.SubElement(tc, "failure", message=f"differs from TFLM (details for the first {MAX_FAILURES_KEPT} "
                                                 "mismatches only)")
    if v.error is not None:
        tc = ET.SubElement(ts, "testcase", classname=suite, name="session")
        el = ET.SubElement(tc, "error", message=f"{v.error.kind}: {v.error.message}"[:500], type=v.error.kind)
        el.text = "\n".join(f"{k}=0x{r:08x}" for k, r in v.error.registers.items()) or v.error.target_log[-2000:]
    if not_run:
        tc = ET.SubElement(ts, "testcase", classname=suite, name="samples_not_run")
        ET.SubElement(tc, "skipped", message=f"{not_run} of {v.requested} requested samples did not run "
                                             f"(samples {v.samples}..{v.requested - 1}): the session stopped")
    return write_text_atomic(path, ET.tostring(ts, encoding="unicode", xml_declaration=True))


def save(v: Validation, out_dir: Path, suite: str, failed_samples: tuple[int, ...] = ()) -> Path:
    """validate.json (complete) or validate.failed.json (the last complete one stays), junit.xml, and
    the reports validate.md and validate.html (validate.failed.*: codegen.reports.validate_report)."""
    from codegen.reports.run_report import build_memory
    from codegen.reports.validate_report import write_validation_report
    path = write_text_atomic(out_dir / v.file_name, json.dumps(v.to_json(), indent=2) + "\n")
    if v.complete:
        (out_dir / FAILED_FILE).unlink(missing_ok=True)  # an earlier failure no longer describes this build
    write_junit(out_dir / "junit.xml", suite, v, {"board": v.board, "model": v.model, "sha256": v.sha256,
                                                  "target": v.target, "bit_exact": v.bit_exact}, failed_samples)
    build, _, layout = build_memory(out_dir)
    write_validation_report(v, out_dir, build, layout)
    return path


def validate(project: Project, options: ValidateOptions = ValidateOptions(), progress: bool = True) -> Validation:
    """Run the samples on the target and compare; writes validate.json (or validate.failed.json) and
    junit.xml, always. Ctrl-C stops it promptly and is recorded as the error."""
    m = project.compiled
    n = options.samples
    data = options.data
    request = request_for(options.target, project.board)
    samples = sample_inputs(data, m.inputs, n, options.seed, float_input_ranges(m.graph),
                            source_layout(project.model_path))  # bad data: raise now
    floats = float_check(project.model_path, m.inputs, m.outputs, data)
    ref = TflmReference(project.model_path)
    tally = Tally(requested=n, outputs=[_OutputTally(OutputStats(t.name, t.dtype.name.lower(), tuple(t.shape), t.scale))
                                        for t in m.outputs])
    strategy = Strategy(project.board, project.firmware_elf, request)
    start = time.monotonic()
    if progress:
        say(header(project.model_path.name, project.board.name, n, data))
    try:
        with strategy:
            session = strategy.transition(State.RUNNING)
            assert session is not None
            dev = session.device
            tally.unit, tally.per_tick = session.unit.name, session.unit.per_tick
            info = dev.info()
            check_identity(info, project.board, m.sha256)
            last = 0.0
            for i, (xs, label) in enumerate(samples):
                load_inputs(dev, xs)
                tally.counts += dev.infer(1, warmup=False, timeout=infer_timeout(m.macs, 1, request.timeout))
                got = read_outputs(dev, info, m.outputs)
                want = ref.run(list(xs))
                compare(got, want, tally, i)
                if floats is not None:
                    floats.add(i, xs, got)
                tally.samples += 1
                if label is not None:
                    tally.labelled += 1
                    tally.device_correct += int(np.argmax(got[0]) == label)
                    tally.reference_correct += int(np.argmax(want[0]) == label)
                now = time.monotonic()
                if progress and (now - last > 2.0 or i + 1 == n):
                    say(progress_line(i + 1, n, tally.mismatches))
                    last = now
    except (McuforgeError, EOFError, OSError, KeyboardInterrupt) as exc:
        tally.error = failure_of(exc, project.firmware_elf)
        if strategy.stopped is not None:
            ended, code, sig = ending(strategy.stopped)
            tally.error = replace(tally.error, target_log=strategy.stopped.log or tally.error.target_log,
                                  ended=ended, exit_code=code, signal=sig)
    v = replace(tally.freeze(time.monotonic() - start, board=project.board.name, model=project.model_path.name,
                             sha256=m.sha256, target=strategy.driver.name),
                float_reference=floats.report() if floats is not None else None)
    save(v, project.dir, f"mcuforge.{project.board.name}.{m.prefix}", tuple(tally.failed_samples))
    return v


def header(model: str, board: str, n: int, data: Path | None) -> str:
    return (f"validating {model} on {board} against TFLM: {n} samples"
            + (f" from {data}" if data else " (random inputs)"))


def progress_line(done: int, n: int, mismatches: int) -> str:
    return f"  {done}/{n} samples, {mismatches} mismatching"


def result_lines(v: Validation) -> list[str]:
    """The verdict lines `scons test` prints: the error, the result, outputs that differ, accuracy, the
    float model's metrics."""
    from codegen.floatref import float_report_lines
    out = []
    if v.error is not None:
        out.append(kv_line("FAILED", f"{v.error.kind}: {v.error.message}"
                           + (f" (pc in {v.error.location})" if v.error.location else "")))
    verdict = "bit-exact" if v.bit_exact else ("within float tolerance" if v.within_tolerance and v.samples
                                               else "MISMATCH" if not v.within_tolerance else "nothing compared")
    out.append(kv_line("result", f"{verdict}: {v.samples - v.mismatches}/{v.samples} samples agree"
                       + (f" ({v.requested - v.samples} not run)" if v.samples < v.requested else "")
                       + f", max |diff| {v.max_abs_diff:g}"))
    for o in v.outputs:
        if o.mismatched_samples:
            out.append(kv_line("", f"{o.name}: {o.mismatched_samples} samples, {o.mismatched_elements} elements "
                                   f"differ; max |diff| {o.max_abs_diff:g} ({o.max_abs_diff_real:g} dequantised), top-1 "
                                   f"agrees on {o.top1_agree}/{o.samples}"))
    if v.labelled:
        out.append(kv_line("accuracy", f"device {v.device_correct / v.labelled:.3f}, TFLM "
                                       f"{v.reference_correct / v.labelled:.3f} on {v.labelled} labelled samples"))
    if v.float_reference is not None:
        out += float_report_lines(v.float_reference)
    return out


def written_lines(v: Validation, out_dir: str) -> list[str]:
    """Where the results went (`out_dir`: the build directory as shown)."""
    from codegen.reports.validate_report import report_names
    kept = "" if v.complete else f" (the last complete {FILE} is kept)"
    md, html = report_names(v.complete)
    return [kv_line("wrote", f"{out_dir}/{v.file_name} and junit.xml{kept}"),
            kv_line("report", f"{out_dir}/{md}"),
            kv_line("html report", f"{out_dir}/{html} (one file: open it in a browser)")]


def validate_and_show(project: Project, options: ValidateOptions) -> int:
    """`scons test`: validate, print the verdict; 0 only when every sample agrees and none is missing."""
    v = validate(project, options)
    for line in result_lines(v):
        say(line)
    if v.complete:
        from codegen.reports.run_report import refresh_report
        refresh_report(project.dir)  # report.md shows the float metrics of the last validation
    for line in written_lines(v, str(project.dir)):
        say(line)
    return 0 if v.passed else 1
