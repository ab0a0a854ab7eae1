"""The float reference: the float model's outputs on the same inputs as the deployed model, and the
metrics between them (:mod:`codegen.fidelity`), per output.

Runners, registered by the reference's format:

* ``onnx``: ONNX Runtime (CPU, one thread) on the ``.onnx`` a model was quantised from;
* ``tflite``: TensorFlow Lite's interpreter (LiteRT, ``ai_edge_litert``) on a float32 ``.tflite``.

Which reference a built model has (:func:`reference_for`): its sidecar's (``<stem>.source.json``,
:mod:`codegen.origin`), else, for a float32 ``.tflite``, the model itself (the deployed float kernels
against TensorFlow Lite's).

:class:`FloatCheck` follows a validation: for sample i it runs the reference on the float input
(the data's own floats in the source layout, or the device's input dequantised when the data are
integer or random) and compares every dequantised device output with the reference's.
"""

from __future__ import annotations

import importlib.metadata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from codegen.errors import McuforgeError
from codegen.fidelity import Accumulator, Fidelity
from codegen.origin import FloatReference, Origin, TensorLayout, read_origin, sha256_of


class FloatRunner(Protocol):
    runtime: str

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]: ...


class OnnxRunner:
    def __init__(self, path: Path) -> None:
        try:
            import onnxruntime as ort
        except ImportError:
            raise McuforgeError("the float reference of this model is an ONNX model, and ONNX Runtime is not "
                                "installed", hint="pip install -e '.[onnx]' (./setup.sh installs it)") from None
        opts = ort.SessionOptions()
        opts.intra_op_num_threads = 1
        opts.inter_op_num_threads = 1
        opts.log_severity_level = 3
        self.session = ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])
        self.names = [i.name for i in self.session.get_inputs()]
        self.runtime = f"ONNX Runtime {ort.__version__}"

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        feeds = {n: np.asarray(x, dtype=np.float32) for n, x in zip(self.names, inputs)}
        return [np.asarray(o) for o in self.session.run(None, feeds)]


class TfliteRunner:
    def __init__(self, path: Path) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter
        except ImportError:
            raise McuforgeError("the float reference of this model is a .tflite, and TensorFlow Lite's "
                                "interpreter (ai-edge-litert) is not installed",
                                hint="pip install -e '.[onnx]' (./setup.sh installs it)") from None
        self.interp = Interpreter(model_path=str(path), num_threads=1)
        self.interp.allocate_tensors()
        self.ins = self.interp.get_input_details()
        self.outs = self.interp.get_output_details()
        self.runtime = f"TensorFlow Lite (ai-edge-litert {importlib.metadata.version('ai-edge-litert')})"

    def run(self, inputs: list[np.ndarray]) -> list[np.ndarray]:
        for d, x in zip(self.ins, inputs):
            self.interp.set_tensor(d["index"], np.asarray(x, dtype=d["dtype"]).reshape(d["shape"]))
        self.interp.invoke()
        return [np.array(self.interp.get_tensor(d["index"])) for d in self.outs]


RUNNERS: dict[str, Callable[[Path], FloatRunner]] = {"onnx": OnnxRunner, "tflite": TfliteRunner}


def reference_for(model: Path, float_io: bool, origin: Origin | None = None) -> FloatReference | None:
    """The float reference of `model` (None: it has none). `float_io`: the model is a float32 model."""
    o = origin if origin is not None else read_origin(model)
    if o is not None and o.float_reference is not None:
        return o.float_reference
    if float_io and o is None:
        return FloatReference.of(model, "tflite")
    return None


# Shaped like boards.schema.UsbId/Emulator and ops.base.Alias/Lowered (`duplicates` pairs): unrelated
# records that happen to have few fields.
@dataclass(frozen=True)
class OutputFidelity:
    name: str
    metrics: Fidelity


@dataclass(frozen=True)
class FloatReport:
    """What validate.json's ``float_reference`` holds."""

    model: str                       # the reference's file name
    format: str
    runtime: str
    outputs: tuple[OutputFidelity, ...] = ()
    error: str | None = None         # why there are no metrics (the reference failed, changed ...)

    def as_json(self) -> dict:
        return {"model": self.model, "format": self.format, "runtime": self.runtime, "error": self.error,
                "outputs": [{"name": o.name, **{k: getattr(o.metrics, k) for k in o.metrics.__dataclass_fields__}}
                            for o in self.outputs]}

    @staticmethod
    def from_json(d: dict) -> "FloatReport":
        keys = Fidelity.__dataclass_fields__
        return FloatReport(model=d.get("model", ""), format=d.get("format", ""), runtime=d.get("runtime", ""),
                           error=d.get("error"),
                           outputs=tuple(OutputFidelity(o["name"], Fidelity(**{k: o[k] for k in keys}))
                                         for o in d.get("outputs", ())))


@dataclass
class FloatCheck:
    """The deployed model against its float reference, one validated sample at a time."""

    reference: FloatReference
    runner: FloatRunner | None
    inputs: tuple                                  # the model's IOTensors (dtype, scale, zero_point, shape)
    outputs: tuple
    in_layouts: tuple[TensorLayout | None, ...]
    out_layouts: tuple[TensorLayout | None, ...]
    data_x: np.ndarray | None = None               # the data's float inputs, source layout, samples first
    error: str | None = None
    acc: list[Accumulator] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.acc = [Accumulator() for _ in self.outputs]

    def add(self, index: int, device_inputs: tuple[np.ndarray, ...], device_outputs: list[np.ndarray]) -> None:
        if self.runner is None or self.error is not None:
            return
        from codegen.run import dequantize
        if self.data_x is not None and len(device_inputs) == 1:
            floats = [self.data_x[index % len(self.data_x)][None]]
        else:
            floats = [_to_source(dequantize(x, t)[None], lay) for x, t, lay in zip(device_inputs, self.inputs,
                                                                                   self.in_layouts)]
        try:
            want = self.runner.run([f.astype(np.float32) for f in floats])
        except Exception as exc:  # noqa: BLE001 - the reference runtime's own errors
            self.error = f"the float reference failed: {str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__}"
            return
        if len(want) != len(device_outputs):
            self.error = f"the float reference has {len(want)} outputs, the model {len(device_outputs)}"
            return
        for k, (got, ref, t, lay) in enumerate(zip(device_outputs, want, self.outputs, self.out_layouts)):
            real = _to_source(dequantize(got, t)[None], lay)
            if real.size != np.asarray(ref).size:
                self.error = (f"output {k}: the model gives {real.size} values, the float reference "
                              f"{np.asarray(ref).size}")
                return
            self.acc[k].add(real, ref)

    def report(self) -> FloatReport:
        runtime = self.runner.runtime if self.runner is not None else ""
        outs = () if self.error else tuple(OutputFidelity(lay.name if lay is not None else t.name, a.result())
                                           for t, lay, a in zip(self.outputs, self.out_layouts, self.acc))
        return FloatReport(model=self.reference.path.name, format=self.reference.format, runtime=runtime,
                           outputs=outs, error=self.error)


def _to_source(x: np.ndarray, layout: TensorLayout | None) -> np.ndarray:
    return x if layout is None else layout.to_source(x)


def float_check(model: Path, inputs: tuple, outputs: tuple, data: Path | None) -> FloatCheck | None:
    """The float check of a validation of `model` (None: the model has no float reference)."""
    origin = read_origin(model)
    float_io = all(t.dtype.name == "FLOAT32" for t in (*inputs, *outputs))
    ref = reference_for(model, float_io, origin)
    if ref is None:
        return None
    in_lay = tuple(origin.inputs) if origin is not None and len(origin.inputs) == len(inputs) else (None,) * len(inputs)
    out_lay = tuple(origin.outputs) if origin is not None and len(origin.outputs) == len(outputs) else (None,) * len(outputs)
    check = FloatCheck(reference=ref, runner=None, inputs=inputs, outputs=outputs, in_layouts=in_lay,
                       out_layouts=out_lay)
    if not ref.path.is_file():
        check.error = f"the float reference {ref.path} is gone"
        return check
    if sha256_of(ref.path) != ref.sha256:
        check.error = f"the float reference {ref.path.name} changed since the model was quantised from it"
        return check
    try:
        check.runner = RUNNERS[ref.format](ref.path)
    except McuforgeError as exc:        # no runtime installed: validation goes on, without these metrics
        check.error = f"{exc.message} ({exc.hint})"
        return check
    x = _data_floats(data)
    if x is not None and len(inputs) == 1:
        lay = in_lay[0]
        shape = lay.source_shape if lay is not None else tuple(inputs[0].shape)
        per = int(np.prod(shape[1:]))
        if x.size % per == 0:
            check.data_x = x.reshape(-1, *shape[1:]).astype(np.float32)
    return check


def _data_floats(data: Path | None) -> np.ndarray | None:
    """The float inputs of a data file (None: no file, or integer inputs already quantised)."""
    if data is None or not Path(data).is_file():
        return None
    if Path(data).suffix == ".npz":
        with np.load(data) as d:
            x = d["x"] if "x" in d else None
            if x is not None and x.dtype.kind != "f" and "x_float" in d:
                x = d["x_float"]
    else:
        x = np.load(data)
    return x if x is not None and x.dtype.kind == "f" else None


def float_rows(report: FloatReport) -> list[tuple[str, ...]]:
    """One row per output: name, RMSE, MAE, max |error|, cosine, L2r (formatted)."""
    return [(o.name, f"{o.metrics.rmse:.4g}", f"{o.metrics.mae:.4g}", f"{o.metrics.max_abs_error:.4g}",
             f"{o.metrics.cosine:.6f}", "-" if o.metrics.l2_relative_error is None else f"{o.metrics.l2_relative_error:.4g}")
            for o in report.outputs]


FLOAT_HEAD = ("output", "RMSE", "MAE", "max abs error", "cosine", "L2r")


def float_report_lines(r: FloatReport) -> list[str]:
    """The terminal lines of a validation's float_reference section."""
    from codegen.term import kv_line
    if r.error:
        return [kv_line("float model", f"{r.model}: no metrics ({r.error})")]
    out = [kv_line("float model", f"{r.model} ({r.runtime}), over "
                                  f"{r.outputs[0].metrics.samples if r.outputs else 0} samples:")]
    for row in float_rows(r):
        out.append(kv_line("", f"{row[0]}: RMSE {row[1]}, MAE {row[2]}, max |error| {row[3]}, cosine {row[4]}, "
                               f"L2r {row[5]}"))
    return out


def read_float_report(project_dir: Path) -> FloatReport | None:
    """The float_reference section of the validate.json in a build directory (None: none)."""
    from codegen.validate import FILE, read_validation
    p = Path(project_dir) / FILE
    return read_validation(p).float_reference if p.is_file() else None


def float_markdown(report: FloatReport) -> list[str]:
    """report.md's section: the last validation's metrics against the float model."""
    md = ["## Against the float model", ""]
    if report.error:
        return md + [f"No metrics: {report.error}.", ""]
    n = report.outputs[0].metrics.samples if report.outputs else 0
    md += [f"The last validation (`validate.json`, {n} samples): the deployed model's dequantised outputs against "
           f"`{report.model}` run by {report.runtime} on the same inputs.", "",
           "| " + " | ".join(FLOAT_HEAD) + " |", "| --- |" + " ---: |" * (len(FLOAT_HEAD) - 1)]
    md += ["| " + " | ".join(row) + " |" for row in float_rows(report)]
    return md + [""]
