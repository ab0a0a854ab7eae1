"""ONNX -> TensorFlow with onnx2tf, then TensorFlow Lite's converter as for Keras models.

onnx2tf rebuilds the ONNX graph as a Keras (tf_keras) model, moving NCHW (NCW, NCDHW) to
channels-last once, at the input: every convolution and pooling then runs in TFLite's native layout
and no TRANSPOSE pair surrounds each layer. :func:`to_tensorflow` returns a factory of
``TFLiteConverter`` s over that model (the caller configures quantisation) and the layouts.

:func:`check_float` then runs the float32 conversion (TensorFlow Lite's interpreter) and ONNX Runtime
on the same calibration samples: it finds how each .tflite input and output maps onto the ONNX
model's (identity, or channels moved last) from the numbers, not from shapes alone (a 1x4x4x4 tensor
reads the same both ways), and fails when the conversion changed what the model computes.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from codegen.errors import McuforgeError
from codegen.origin import TensorLayout
from codegen.prep.onnx_model import OnnxModel
from codegen.prep.source import quiet_native, tensorflow

ONNX2TF_PIN = "1.29.24"
FLOAT_ATOL = 1e-4
FLOAT_RTOL = 1e-3             # of the output's largest magnitude: float32 sums in another order


@dataclass(frozen=True)
class OnnxTensorFlow:
    make: Callable[[], Any]                       # a fresh TFLiteConverter over the model
    input_shapes: tuple[tuple[int, ...], ...]     # the TensorFlow model's (batch 1)
    converter: str                                # "onnx2tf 1.29.24, TensorFlow 2.21.0"


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    line = next((ln.strip() for ln in text.splitlines() if ln.strip() and not ln.strip().startswith("File ")), "")
    return line or type(exc).__name__


# onnx2tf runs ONNX Runtime on sample images to settle layouts of 4-D, 3-channel inputs, and downloads
# them from GitHub unless this file lies in the working directory: it gets the user's calibration samples
SAMPLE_FILE = "calibration_image_sample_data_20x128x128x3_float32.npy"


@contextlib.contextmanager
def _sample_images(calib: np.ndarray) -> Iterator[None]:
    """Run onnx2tf in a scratch directory holding its sample-image file, made of `calib` (ONNX layout)."""
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory(prefix="mcuforge-onnx2tf-") as tmp:
        if calib.ndim == 4:
            np.save(Path(tmp) / SAMPLE_FILE, np.ascontiguousarray(calib[:20].transpose(0, 2, 3, 1), dtype=np.float32))
        os.chdir(tmp)
        try:
            yield
        finally:
            os.chdir(cwd)


def to_tensorflow(m: OnnxModel, proto: Any, calib: np.ndarray) -> OnnxTensorFlow:
    """`proto`: the model with its input shape fixed and shapes inferred (:func:`onnx_model.fixed`);
    `calib`: calibration samples in the ONNX layout (onnx2tf's own checks run ONNX Runtime on them)."""
    tf = tensorflow()
    with quiet_native() as log:
        try:
            import onnx2tf
        except ImportError:
            raise McuforgeError("converting ONNX models needs onnx2tf", hint="./setup.sh installs it (pip install "
                                f"--no-deps onnx2tf=={ONNX2TF_PIN}, see pyproject.toml)") from None
        try:
            with _sample_images(calib):
                km = onnx2tf.convert(onnx_graph=proto, output_folder_path="saved_model", disable_model_save=True,
                                     non_verbose=True, not_use_onnxsim=True)
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - onnx2tf raises what TensorFlow raises, or exits
            node = getattr(exc, "onnx_op_name", None)
            op = next((n.op_type for n in proto.graph.node if node and n.name == node), None)
            where = f" at node {node!r}" + (f" ({op})" if op else "") if node else ""
            raise McuforgeError(f"the ONNX converter (onnx2tf) cannot convert {m.path.name}{where}: {_first_line(exc)}",
                                hint="replace that operator with standard ones, or export with fixed shapes "
                                     "(torch.onnx.export with a batch-1 example input)") from None
    log.unlink(missing_ok=True)
    if km is None or not getattr(km, "inputs", None):
        raise McuforgeError(f"the ONNX converter (onnx2tf) produced no model for {m.path.name}",
                            hint="rerun with MCUFORGE_CONVERTER_LOG=1 to see its log")
    specs = [tf.TensorSpec(t.shape, t.dtype, name=f"input_{i}") for i, t in enumerate(km.inputs)]
    fn = tf.function(lambda *xs: km(list(xs) if len(xs) > 1 else xs[0]), input_signature=specs)
    concrete = fn.get_concrete_function()

    def make() -> Any:
        return tf.lite.TFLiteConverter.from_concrete_functions([concrete], km)
    version = importlib.metadata.version("onnx2tf")
    return OnnxTensorFlow(make=make, input_shapes=tuple(tuple(int(d) for d in t.shape) for t in km.inputs),
                          converter=f"onnx2tf {version}, TensorFlow {tf.__version__}")


def candidate_perms(source: tuple[int, ...], model: tuple[int, ...]) -> list[tuple[int, ...]]:
    """The axis maps (``.tflite`` axis i = source axis perm[i]) that turn `source` into `model`:
    the identity and channels-last, whichever fit the sizes."""
    r = len(source)
    perms = [tuple(range(r))]
    if r >= 3:
        perms.append((0, *range(2, r), 1))
    return [p for p in perms if len(model) == r and tuple(source[a] for a in p) == tuple(model)]


def _interpreter(data: bytes) -> Any:
    from ai_edge_litert.interpreter import Interpreter
    it = Interpreter(model_content=data, num_threads=1)
    it.allocate_tensors()
    return it


@dataclass(frozen=True)
class LayoutCheck:
    inputs: tuple[TensorLayout, ...]
    outputs: tuple[TensorLayout, ...]
    max_abs_diff: float                      # float32 .tflite against ONNX Runtime
    samples: int


def check_float(m: OnnxModel, shape: tuple[int, ...], f32: bytes, calib: np.ndarray, samples: int = 4) -> LayoutCheck:
    """Compare the float32 conversion with ONNX Runtime on the first `samples` calibration samples
    (`calib`: ONNX layout, samples first) and find the layouts."""
    from codegen.floatref import OnnxRunner
    ort_run = OnnxRunner(m.path)
    xs = calib[:samples]
    refs = [ort_run.run([x[None]]) for x in xs]
    it = _interpreter(f32)
    ins, outs = it.get_input_details(), it.get_output_details()
    model_in = tuple(int(d) for d in ins[0]["shape"])
    in_perms = candidate_perms(shape, model_in)
    if not in_perms:
        raise McuforgeError(f"the converted model's input is {model_in}, the ONNX model's {shape}: no layout maps one "
                            "onto the other", hint="report this model; meanwhile export it with an NHWC input")
    out_shapes = [tuple(int(d) for d in np.asarray(r).shape) for r in refs[0]]
    if len(outs) != len(out_shapes):
        raise McuforgeError(f"the converted model has {len(outs)} outputs, the ONNX model {len(out_shapes)}",
                            hint="rerun with MCUFORGE_CONVERTER_LOG=1 to see the converter's log")
    best: tuple[float, tuple, list] | None = None
    best_fail = 0.0
    for pin in in_perms:
        lay_in = TensorLayout(m.input.name, shape, pin)
        got = []
        for x in xs:
            it.set_tensor(ins[0]["index"], lay_in.to_model(x[None]).astype(np.float32))
            it.invoke()
            got.append([np.array(it.get_tensor(d["index"])) for d in outs])
        chosen, worst = [], 0.0
        for k, (name, want_shape) in enumerate(zip(m.outputs, out_shapes)):
            model_out = tuple(int(d) for d in outs[k]["shape"])
            options = []
            for pout in candidate_perms(want_shape, model_out):
                lay = TensorLayout(name, want_shape, pout)
                diff = max(float(np.abs(lay.to_source(g[k]).reshape(want_shape) - r[k]).max()) for g, r in zip(got, refs))
                options.append((diff, lay))
            if not options:
                chosen = []
                break
            diff, lay = min(options, key=lambda o: o[0])
            tol = FLOAT_ATOL + FLOAT_RTOL * max(float(np.abs(r[k]).max()) for r in refs)
            if diff > tol:
                chosen = []
                worst = diff
                break
            chosen.append(lay)
            worst = max(worst, diff)
        if chosen and (best is None or worst < best[0]):
            best = (worst, (lay_in,), chosen)
        elif not chosen and best is None:
            best_fail = worst
    if best is None:
        raise McuforgeError(f"the float32 conversion of {m.path.name} does not compute what ONNX Runtime computes "
                            f"(max |diff| {best_fail:.3g} on {len(xs)} calibration samples)",
                            hint="rerun with MCUFORGE_CONVERTER_LOG=1 to see the converter's log; simplify the "
                                 "operator named there, or export with another opset")
    return LayoutCheck(inputs=best[1], outputs=tuple(best[2]), max_abs_diff=best[0], samples=len(xs))
