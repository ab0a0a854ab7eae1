"""Post-training full-integer quantisation with TensorFlow's converter (``tf.lite.TFLiteConverter``).

``quantize(source, data, options)`` converts a Keras, SavedModel or ONNX model (ONNX through onnx2tf,
:mod:`codegen.prep.onnx_convert`) twice from the same fixed
input shape (batch 1): once to float32 (the size baseline, optionally kept as a variant; converted
before any pruning, so it is the model as given) and once to full-integer with the representative dataset: int8 (``TFLITE_BUILTINS_INT8``) or int16 activations
with int8 weights (``EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8``), with integer or
float model I/O. No float fallback: an operator the converter cannot quantise is an error naming it.

The result (:class:`Quantized`) carries both models' bytes, their statistics and per-tensor ranges
(:mod:`codegen.prep.ranges`) and whether mcuforge can generate the quantised model.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np

from codegen.errors import McuforgeError
from codegen.origin import TensorLayout
from codegen.prep.data import Samples, fit_samples
from codegen.prep.prune import PruneOptions, PruneReport, prune_model
from codegen.prep.ranges import ModelStats, TensorRange, model_stats, tensor_ranges
from codegen.prep.source import (InputSpec, Kind, ModelSource, fixed_shape, keras_inputs, load_keras, quiet_native,
                                 refuse_tflite, resave_fixed, saved_model_signature, tensorflow, with_fixed_input)

MODES = ("int8", "int16x8")
IO_TYPES = ("int8", "uint8", "int16", "float")
# the model I/O types each mode allows (uint8 I/O: a QUANTIZE uint8 <-> int8 at each end, for
# camera pipelines that hand over raw bytes)
MODE_IO = {"int8": ("int8", "uint8", "float"), "int16x8": ("int16", "float")}


@dataclass(frozen=True)
class QuantizeOptions:
    mode: str = "int8"                       # int8 | int16x8
    io: str | None = None                    # int8 | uint8 | int16 | float; None: the mode's integer type
    max_samples: int = 500                   # representative samples used (the first N)
    input_shape: tuple[int, ...] | None = None  # fix dynamic dimensions (batch first)
    signature: str | None = None             # SavedModel signature key
    allow_float: bool = False                # accept operators the converter left in float32

    @property
    def io_type(self) -> str:
        return self.io or ("int16" if self.mode == "int16x8" else "int8")

    def check(self) -> None:
        if self.mode not in MODES:
            raise McuforgeError(f"unknown quantisation mode {self.mode!r}", hint="int8 (default) or --int16x8")
        if self.io_type not in IO_TYPES:
            raise McuforgeError(f"--io {self.io_type}: unknown model I/O type",
                                hint="--io " + ", ".join(IO_TYPES[:-1]) + f" or {IO_TYPES[-1]}")
        allowed = MODE_IO[self.mode]
        if self.io_type not in allowed:
            raise McuforgeError(f"--io {self.io_type} does not go with {self.mode} activations",
                                hint=" or ".join(f"--io {t}" for t in allowed))
        if self.max_samples < 1:
            raise McuforgeError(f"--samples {self.max_samples}", hint="use at least 1 (100-500 calibrate well)")


@dataclass(frozen=True)
class Converted:
    """One converted model: its bytes, sizes and per-tensor ranges."""

    data: bytes
    stats: ModelStats
    ranges: tuple[TensorRange, ...]


@dataclass(frozen=True)
class Quantized:
    source: ModelSource
    input: InputSpec
    shape: tuple[int, ...]                   # the fixed input shape converted with
    options: QuantizeOptions
    samples: int                             # representative samples used
    data_source: str
    quantized: Converted
    float32: Converted
    notes: tuple[str, ...] = ()
    generate_problem: str | None = None      # why mcuforge cannot generate it (None: it can)
    pruning: PruneReport | None = None       # when pruned first
    onnx: OnnxConversion | None = None       # ONNX sources: layouts, converter, the float check


@dataclass(frozen=True)
class OnnxConversion:
    """How an ONNX model became the .tflite: the converter and each input's and output's layout
    (the sidecar's, :mod:`codegen.origin`), checked against ONNX Runtime."""

    converter: str
    opset: int
    producer: str
    inputs: tuple[TensorLayout, ...]
    outputs: tuple[TensorLayout, ...]
    float_max_abs_diff: float                # float32 .tflite against ONNX Runtime
    float_check_samples: int


# --- converter plumbing ------------------------------------------------------------------------------

def converter_error(exc: BaseException, mode: str, log: Path | None) -> McuforgeError:
    """A converter failure as a message naming what failed and the fix."""
    text = str(exc)
    logged = log.read_text(errors="replace") if log is not None and log.is_file() else ""
    both = text + "\n" + logged
    ops = sorted(set(re.findall(r"\btf\.([A-Za-z0-9_]+)\(", both) if "not supported" in both else ())
                 | set(re.findall(r"'tf\.([A-Za-z0-9_]+)' op is neither a custom op nor a flex op", both)))
    if ops:
        where = [w for w in dict.fromkeys(re.findall(r'fused\["[A-Za-z0-9_]+:", "([^"@]+)@', both))
                 if "PartitionedCall" not in w and w not in ops][:3]
        return McuforgeError(
            "the model uses TensorFlow operations that TensorFlow Lite's builtin operators cannot express: "
            + ", ".join(ops) + (f" (at {', '.join(where)})" if where else ""),
            hint="replace those layers with builtin ones (Conv2D, DepthwiseConv2D, Dense, pooling, ReLU, ...); "
                 "TF Select (Flex) and custom operators cannot run on a microcontroller")
    m = re.search(r"Quantization not yet supported for op: '?([A-Z_0-9]+)", both) or \
        re.search(r"[Ff]ailed to quantize[^\n]*?([A-Z_0-9]{3,})", both)
    if m:
        return McuforgeError(
            f"the converter cannot quantise operator {m.group(1)} to {mode}",
            hint=f"replace the layer that makes {m.group(1)}, or try the other mode "
                 f"({'--int16x8' if mode == 'int8' else 'int8'})")
    first = next((ln.strip() for ln in text.splitlines() if ln.strip()), type(exc).__name__)
    detail = next((ln.strip() for ln in reversed(logged.splitlines()) if "error" in ln.lower()), "")
    return McuforgeError(f"TensorFlow's converter failed ({mode}): {first}" + (f"; {detail}" if detail else ""),
                         hint="the converter log names the layer: rerun with MCUFORGE_CONVERTER_LOG=1 to see it")


def _convert(make: Callable[[], Any], configure: Callable[[Any], None], mode: str) -> bytes:
    show = os.environ.get("MCUFORGE_CONVERTER_LOG") == "1"
    ctx = contextlib.nullcontext(None) if show else quiet_native()
    log: Path | None = None
    try:
        with ctx as log:
            conv = make()
            configure(conv)
            return bytes(conv.convert())
    except McuforgeError:
        raise
    except Exception as exc:  # noqa: BLE001 - ConverterError, RuntimeError, ValueError ...
        raise converter_error(exc, mode, log) from None
    finally:
        if log is not None:
            log.unlink(missing_ok=True)


def _converted(data: bytes, name: str) -> Converted:
    from codegen.tflite import read_model_bytes
    g = read_model_bytes(data, source=name)
    return Converted(data=data, stats=model_stats(data, g), ranges=tensor_ranges(g))


def generate_problem(data: bytes, name: str) -> str | None:
    """Why mcuforge cannot generate code for the model (None: it can)."""
    from codegen.generate import prepare
    from codegen.tflite import read_model_bytes
    try:
        prepare(read_model_bytes(data, source=name))
    except McuforgeError as exc:
        return exc.message
    return None


# --- the command's computation -------------------------------------------------------------------------

def quantize(source: ModelSource, data: Samples, options: QuantizeOptions = QuantizeOptions(),
             prune: PruneOptions | None = None, train: Samples | None = None, progress: Callable[[str], None] | None = None,
             keras_model: Any = None, save_pruned: Path | None = None) -> Quantized:
    """Quantise `source` calibrated on `data`; optionally prune first (`prune`: a
    :class:`~codegen.prep.prune.PruneOptions`, fine-tuned on `train`; `save_pruned`: keep the pruned
    float model as .keras). `keras_model` short-cuts loading (a model already in memory)."""
    options.check()
    say = progress or (lambda _: None)
    if source.kind == Kind.TFLITE:
        raise refuse_tflite(source)
    tf = tensorflow()
    notes: list[str] = []
    pruning = None
    onnx_info: OnnxConversion | None = None
    with tempfile.TemporaryDirectory(prefix="mcuforge-quantize-") as tmp:
        if source.is_keras or keras_model is not None:
            model = keras_model if keras_model is not None else load_keras(source)
            specs = keras_inputs(model)
            if len(specs) > 1:
                raise McuforgeError(f"{source.path.name} has {len(specs)} inputs; quantize calibrates "
                                    "single-input models", hint="quantise a single-input model")
            spec = specs[0] if specs else None
            shape, shape_notes = fixed_shape(spec, options.input_shape)
            spec = spec or InputSpec(name="input", shape=shape, dtype="float32")
            notes += shape_notes
            calib = fit_samples(data, shape[1:], spec.name, limit=options.max_samples)

            def keras_converter(m: Any) -> Callable[[], Any]:
                fixed = with_fixed_input(m, shape, spec.name)
                return lambda: tf.lite.TFLiteConverter.from_keras_model(fixed)
            say(f"converting {source.path.name} to float32 (size baseline)")
            f32 = _convert(keras_converter(model), lambda conv: None, "float32")
            if prune is not None:
                model, pruning = prune_model(model, prune, train, calib_shape=shape, progress=say)
                if save_pruned is not None:
                    save_pruned.parent.mkdir(parents=True, exist_ok=True)
                    model.save(save_pruned)
            make = keras_converter(model)
        elif source.kind == Kind.ONNX:
            if prune is not None:
                raise McuforgeError("pruning works on Keras models; an ONNX model is a graph, not layers to retrain",
                                    hint="prune in your training framework before exporting, or drop --prune")
            from codegen.prep import onnx_convert, onnx_model
            om = onnx_model.load(source.path)
            shape, shape_notes = onnx_model.fixed_shape(om, options.input_shape)
            notes += shape_notes
            calib_src = fit_samples(data, shape[1:], om.input.name, limit=options.max_samples)
            say(f"converting {source.path.name} (opset {om.opset}) to TensorFlow with onnx2tf")
            otf = onnx_convert.to_tensorflow(om, onnx_model.fixed(om, shape), calib_src)
            make = otf.make
            say("converting to float32 and checking it against ONNX Runtime")
            f32 = _convert(make, lambda conv: None, "float32")
            check = onnx_convert.check_float(om, shape, f32, calib_src)
            lay = check.inputs[0]
            calib = np.ascontiguousarray(lay.to_model(calib_src), dtype=np.float32)
            spec = om.input
            onnx_info = OnnxConversion(converter=otf.converter, opset=om.opset, producer=om.producer,
                                       inputs=check.inputs, outputs=check.outputs,
                                       float_max_abs_diff=check.max_abs_diff, float_check_samples=check.samples)
        elif source.kind == Kind.SAVED_MODEL:
            if prune is not None:
                raise McuforgeError("pruning needs the Keras model (its layers and weights); a SavedModel has "
                                    "only a traced graph", hint="give the .keras/.h5 file, or drop --prune")
            loaded, key, spec, n_inputs = saved_model_signature(source, options.signature)
            if n_inputs != 1 or spec is None:
                raise McuforgeError(f"the SavedModel signature {key!r} takes {n_inputs} inputs; quantize "
                                    "calibrates single-input models", hint="export a single-input signature")
            shape, shape_notes = fixed_shape(spec, options.input_shape)
            notes += shape_notes
            calib = fit_samples(data, shape[1:], spec.name, limit=options.max_samples)
            model_dir, sig = source.path, key
            if tuple(spec.shape) != shape:
                with quiet_native():
                    model_dir = resave_fixed(loaded, key, spec, shape, Path(tmp) / "fixed")
                sig = "serving_default"

            def make() -> Any:
                return tf.lite.TFLiteConverter.from_saved_model(str(model_dir), signature_keys=[sig])
            say(f"converting {source.path.name} to float32 (size baseline)")
            f32 = _convert(make, lambda conv: None, "float32")
        else:  # pragma: no cover - detect() returns only the kinds above
            raise McuforgeError(f"cannot quantise a {source.kind.value}",
                                hint="give a Keras model, a SavedModel or an ONNX model")

        if len(calib) < 50:
            notes.append(f"only {len(calib)} representative samples: activation ranges may be too narrow "
                         "(100-500 typical inputs calibrate well)")
        mode = options.mode
        say(f"converting to {mode} with {len(calib)} representative samples from {data.source}")

        def configure(conv: Any) -> None:
            conv.optimizations = [tf.lite.Optimize.DEFAULT]

            def representative() -> Iterator[list[np.ndarray]]:
                for i in range(len(calib)):
                    yield [calib[i:i + 1]]
            conv.representative_dataset = representative
            if mode == "int8":
                conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            else:
                conv.target_spec.supported_ops = [
                    tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
            if options.io_type != "float":
                io = {"int8": tf.int8, "uint8": tf.uint8, "int16": tf.int16}[options.io_type]
                conv.inference_input_type = io
                conv.inference_output_type = io
        q = _convert(make, configure, mode)
    name = source.path.stem
    from codegen.prep.ranges import float_operators
    from codegen.tflite import read_model_bytes
    left = float_operators(read_model_bytes(q, source=f"{name}.{mode}.tflite"))
    if left:
        ops = ", ".join(f"{opc} (op {i})" for i, opc in left)
        if not options.allow_float:
            raise McuforgeError(
                f"the converter could not quantise {ops} to {mode} and left it in float32 between DEQUANTIZE and "
                "QUANTIZE: the result would not be a full-integer model",
                hint="replace the layer that makes it with one that quantises"
                     + (", or try --int16x8" if mode == "int8" else "")
                     + "; --allow-float writes the model anyway (those operators then run in float32)")
        notes.append(f"left in float32 by the converter (--allow-float): {ops}")
    return Quantized(source=source, input=spec, shape=shape, options=options, samples=len(calib),
                     data_source=data.source, quantized=_converted(q, f"{name}.{mode}.tflite"),
                     float32=_converted(f32, f"{name}.float32.tflite"), notes=tuple(notes),
                     generate_problem=generate_problem(q, f"{name}.{mode}.tflite"), pruning=pruning, onnx=onnx_info)
