"""The model a user hands to ``quantize``: what kind it is (without TensorFlow) and loading it (with
TensorFlow, imported here lazily).

Accepted: a Keras 3 ``.keras`` file, a Keras HDF5 ``.h5`` file (whole model, not weights only), a
SavedModel directory (``model.export(dir)``, ``tf.saved_model.save``), a float ONNX model (``.onnx``,
:mod:`codegen.prep.onnx_model`) and a PyTorch ``torch.export`` program (``.pt2``, with the torch extra,
:mod:`codegen.prep.torch_export`). A ``.tflite`` is refused with
the reason: TensorFlow's converter quantises from the source model, not from a converted one.
"""

from __future__ import annotations

import contextlib
import enum
import io
import os
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from codegen.errors import McuforgeError

HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
SAVE_HINT = ("save the whole model from the training script: model.save('model.keras') (Keras), or "
             "model.export('model_dir') / tf.saved_model.save(model, 'model_dir') (SavedModel)")


class Kind(enum.Enum):
    KERAS = "Keras model (.keras)"
    H5 = "Keras model (HDF5)"
    SAVED_MODEL = "SavedModel"
    TFLITE = "TensorFlow Lite model"
    ONNX = "ONNX model"
    TORCH_EXPORT = "PyTorch ExportedProgram (.pt2)"


@dataclass(frozen=True)
class ModelSource:
    path: Path
    kind: Kind

    @property
    def is_keras(self) -> bool:
        return self.kind in (Kind.KERAS, Kind.H5)

    @property
    def is_onnx(self) -> bool:
        """ONNX, or a PyTorch program that becomes ONNX first."""
        return self.kind in (Kind.ONNX, Kind.TORCH_EXPORT)


@dataclass(frozen=True)
class InputSpec:
    name: str
    shape: tuple[int | None, ...]    # with the batch axis; None = dynamic
    dtype: str


def detect(path: Path | str) -> ModelSource:
    """What `path` holds, from its bytes (no TensorFlow). Raises for anything that is not a model."""
    p = Path(path)
    if not p.exists():
        raise McuforgeError(f"model not found: {p}", hint="give a .keras/.h5 file, a SavedModel directory, an .onnx "
                                                          "or a .pt2 file")
    if p.is_dir():
        if (p / "saved_model.pb").is_file() or (p / "saved_model.pbtxt").is_file():
            return ModelSource(p, Kind.SAVED_MODEL)
        raise McuforgeError(f"{p}/ is a directory but not a SavedModel (no saved_model.pb in it)",
                            hint="give the directory model.export(...) or tf.saved_model.save(...) wrote, "
                                 "or a .keras/.h5 file")
    head = p.read_bytes()[:8] if p.stat().st_size else b""
    if head.startswith(HDF5_MAGIC):
        return ModelSource(p, Kind.H5)
    if p.suffix.lower() == ".onnx" and head:
        return ModelSource(p, Kind.ONNX)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(p) as z:
                names = set(z.namelist())
        except zipfile.BadZipFile:
            names = set()
        if "config.json" in names:
            return ModelSource(p, Kind.KERAS)
        if any(n.endswith("/archive_format") or n.endswith("/models/model.json") for n in names):
            return ModelSource(p, Kind.TORCH_EXPORT)
        raise McuforgeError(f"{p} is a zip file but not a Keras model (no config.json inside)",
                            hint=SAVE_HINT)
    if head[4:8] == b"TFL3":
        return ModelSource(p, Kind.TFLITE)
    raise McuforgeError(f"{p} is not a model TensorFlow can read ({len(head) and 'unrecognised contents' or 'empty file'})",
                        hint="give a Keras .keras or .h5 file, a SavedModel directory, a float .onnx or a torch.export "
                             ".pt2; " + SAVE_HINT)


def refuse_tflite(src: ModelSource) -> McuforgeError:
    """Why a .tflite cannot be quantised here, and what to do instead."""
    from codegen.ir import DType
    from codegen.prep.ranges import WEIGHTED
    from codegen.tflite import read_model
    g = read_model(src.path)
    sg = g.main
    weights = [sg.tensors[op.inputs[1]] for op in sg.operators if op.opcode in WEIGHTED and len(op.inputs) > 1]
    acts = {t.dtype for t in sg.tensors if not t.is_const}
    if any(t.dtype == DType.FLOAT32 for t in weights) or (not weights and DType.FLOAT32 in acts and
                                                           not acts & {DType.INT8, DType.INT16}):
        return McuforgeError(
            f"{src.path.name} is a float32 .tflite: TensorFlow's converter quantises from the source model "
            "(Keras or SavedModel) and cannot re-quantise a converted .tflite",
            hint="give the model it was converted from (the .keras/.h5 file or SavedModel directory); if you "
                 "only have its training script, " + SAVE_HINT + ". A float32 .tflite also runs as it is: "
                 "scons model=" + str(src.path))
    if any(t.dtype == DType.INT8 for t in weights) and DType.FLOAT32 in acts and not acts & {DType.INT8, DType.INT16}:
        return McuforgeError(
            f"{src.path.name} is dynamic-range quantised (int8 weights, float activations); full-integer "
            "quantisation needs the source model and a representative dataset",
            hint="give the model it was converted from (.keras/.h5 or SavedModel directory) to `quantize`")
    kinds = sorted(t.name.lower() for t in acts & {DType.INT8, DType.INT16})
    return McuforgeError(f"{src.path.name} is already quantised ({'/'.join(kinds) or 'integer'} activations): "
                         "nothing to do", hint=f"build it as it is: scons model={src.path}")


# --- with TensorFlow ---------------------------------------------------------------------------------

@contextlib.contextmanager
def quiet_native() -> Iterator[Path]:
    """Send TensorFlow's, the converter's and Keras's chatter (C++ std::cout/std::cerr and Python
    prints) to a log file; yields the log's path (read it when a conversion fails)."""
    sys.stdout.flush()
    sys.stderr.flush()
    log = tempfile.NamedTemporaryFile(prefix="mcuforge-tf-", suffix=".log", delete=False)
    saved = os.dup(1), os.dup(2)
    try:
        os.dup2(log.fileno(), 1)
        os.dup2(log.fileno(), 2)
        with contextlib.redirect_stdout(io.StringIO()):
            yield Path(log.name)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])
        log.close()


def tensorflow():
    """TensorFlow, imported quietly (only the commands that make models call this)."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    if "tensorflow" not in sys.modules:
        with quiet_native() as log:
            import tensorflow  # noqa: F401
        log.unlink(missing_ok=True)
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    _ = tf.keras.Model  # pin tf.keras to Keras 3 before anything (tfmot) can flip TF_USE_LEGACY_KERAS
    return tf


def load_keras(src: ModelSource) -> Any:
    """The Keras 3 model in a .keras or .h5 file (not compiled: we only convert or fine-tune it)."""
    tensorflow()
    import keras
    try:
        return keras.saving.load_model(src.path, compile=False)
    except Exception as exc:  # noqa: BLE001 - Keras raises many types; each becomes a message with a fix
        text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        if "No model config found" in str(exc) or "model_config" in str(exc):
            raise McuforgeError(f"{src.path.name} holds weights only, no model (no architecture to convert)",
                                hint=SAVE_HINT) from None
        if "Could not locate" in str(exc) or "Unknown layer" in str(exc) or "custom" in str(exc).lower():
            raise McuforgeError(f"Keras cannot rebuild {src.path.name}: {text}",
                                hint="register custom layers with @keras.saving.register_keras_serializable() in "
                                     "a module you import, or export a SavedModel from the training script "
                                     "(model.export('model_dir')) and quantise that") from None
        if "safe_mode" in str(exc) or "lambda" in str(exc).lower():
            raise McuforgeError(f"Keras refuses to load the Lambda layer in {src.path.name} (safe mode): {text}",
                                hint="export a SavedModel from the training script (model.export('model_dir')) "
                                     "and quantise that") from None
        raise McuforgeError(f"Keras cannot load {src.path.name}: {text}", hint=SAVE_HINT) from None


def keras_inputs(model: Any) -> tuple[InputSpec, ...]:
    try:
        ins = model.inputs
    except (AttributeError, ValueError):
        ins = None
    if not ins:
        return ()
    return tuple(InputSpec(name=_clean(getattr(t, "name", f"input_{i}")), shape=tuple(t.shape),
                           dtype=str(getattr(t, "dtype", "float32"))) for i, t in enumerate(ins))


def _clean(name: str) -> str:
    return name.split(":")[0]


def fixed_shape(spec: InputSpec | None, override: Sequence[int] | None) -> tuple[tuple[int, ...], list[str]]:
    """The static shape to convert with: batch 1, every other dimension known. Returns it and notes."""
    notes: list[str] = []
    if override:
        shape = tuple(int(d) for d in override)
        if spec is not None and len(shape) == len(spec.shape) - 1:
            shape = (1, *shape)
        if any(d <= 0 for d in shape):
            raise McuforgeError(f"--input-shape {','.join(map(str, shape))}: every dimension must be positive",
                                hint="give the deployed shape, batch first: --input-shape 1,49,40")
        if spec is not None:
            if len(shape) != len(spec.shape):
                raise McuforgeError(f"--input-shape {','.join(map(str, shape))} has {len(shape)} dimensions, the "
                                    f"model input {spec.name!r} has {len(spec.shape)} {_shape(spec.shape)}",
                                    hint="give one size per dimension, batch first")
            clash = [i for i, (a, b) in enumerate(zip(shape[1:], spec.shape[1:]), 1) if b is not None and a != b]
            if clash:
                raise McuforgeError(f"--input-shape {','.join(map(str, shape))} contradicts the model input "
                                    f"{spec.name!r} {_shape(spec.shape)} in dimension {clash[0]}",
                                    hint="only dynamic (None) dimensions can be fixed")
        if shape[0] != 1:
            notes.append(f"batch {shape[0]} set to 1 (mcuforge runs one inference at a time)")
            shape = (1, *shape[1:])
        return shape, notes
    if spec is None:
        raise McuforgeError("the model has no defined input shape (a Sequential model that was never built?)",
                            hint="give it: --input-shape 1,8,8,1 (batch first), or build the model with keras.Input")
    dynamic = [i for i, d in enumerate(spec.shape) if i > 0 and (d is None or d < 0)]
    if dynamic:
        raise McuforgeError(
            f"the model input {spec.name!r} has dynamic dimensions {_shape(spec.shape)}: the converter and "
            "mcuforge need every dimension but the batch fixed",
            hint=f"give the deployed size: --input-shape 1,{','.join('N' if d is None else str(d) for d in spec.shape[1:])}"
                 " (N: your size), or build the model with a fixed keras.Input(shape=...)")
    b = spec.shape[0]
    if b not in (None, 1) and not (isinstance(b, int) and b < 0):
        notes.append(f"input batch {b} set to 1 (mcuforge runs one inference at a time)")
    return (1, *(int(d) for d in spec.shape[1:])), notes  # type: ignore[arg-type]


def _shape(shape: Sequence[int | None]) -> str:
    return "(" + ", ".join("None" if d is None or d < 0 else str(d) for d in shape) + ")"


def with_fixed_input(model: Any, shape: tuple[int, ...], name: str) -> Any:
    """The Keras model called on an input of exactly `shape` (batch 1): the converter then emits a
    graph without dynamic-batch shape arithmetic."""
    import keras
    inp = keras.Input(batch_shape=shape, name=name or None)
    return keras.Model(inp, model(inp), name=f"{model.name}_fixed")


def saved_model_signature(src: ModelSource, key: str | None) -> tuple[Any, str, InputSpec | None, int]:
    """(loaded object, signature key, its input, number of inputs) of a SavedModel."""
    tf = tensorflow()
    try:
        loaded = tf.saved_model.load(str(src.path))
    except Exception as exc:  # noqa: BLE001
        raise McuforgeError(f"TensorFlow cannot load the SavedModel {src.path}: {str(exc).splitlines()[0]}",
                            hint=SAVE_HINT) from None
    sigs = dict(getattr(loaded, "signatures", {}) or {})
    if not sigs:
        raise McuforgeError(f"the SavedModel {src.path} has no signatures (no callable entry point)",
                            hint="export it with model.export(dir) or tf.saved_model.save(m, dir, signatures=...)")
    if key is None:
        key = "serving_default" if "serving_default" in sigs else (next(iter(sigs)) if len(sigs) == 1 else None)
        if key is None:
            raise McuforgeError(f"the SavedModel {src.path} has {len(sigs)} signatures: {', '.join(sorted(sigs))}",
                                hint="choose one with --signature KEY")
    if key not in sigs:
        raise McuforgeError(f"the SavedModel {src.path} has no signature {key!r}",
                            hint="choose one of: " + ", ".join(sorted(sigs)))
    fn = sigs[key]
    _, kwargs = fn.structured_input_signature
    specs = list(kwargs.items())
    if not specs:
        return loaded, key, None, 0
    name, ts = specs[0]
    shape = tuple(None if d is None else int(d) for d in ts.shape.as_list()) if ts.shape.rank is not None else ()
    return loaded, key, InputSpec(name=name, shape=shape, dtype=ts.dtype.name), len(specs)


def resave_fixed(loaded: Any, key: str, spec: InputSpec, shape: tuple[int, ...], out_dir: Path) -> Path:
    """A SavedModel whose signature takes exactly `shape` (batch 1), wrapping `key` of `loaded`."""
    tf = tensorflow()
    fn = loaded.signatures[key]
    dtype = tf.as_dtype(spec.dtype)

    class Fixed(tf.Module):
        def __init__(self) -> None:
            super().__init__()
            self.inner = loaded

        @tf.function(input_signature=[tf.TensorSpec(shape, dtype, name=spec.name)])
        def serve(self, x):
            return fn(**{spec.name: x})

    m = Fixed()
    tf.saved_model.save(m, str(out_dir), signatures={"serving_default": m.serve})
    return out_dir
