"""Small .tflite models built with TensorFlow inside the tests, from a declared plan.

A :class:`Case` names what it covers (``conv_stride2_same_perchannel``), builds a Keras model (or a
``tf.function``), and converts it with a representative dataset to one of the quantisation modes:
``int8`` (full-integer, int8 I/O), ``int16x8`` (int16 activations, int8 weights) or ``float32``.
Converted models are cached under ``.cache/testmodels`` keyed by the case, mode and TF version, so
re-runs skip TensorFlow entirely.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("MCUFORGE_TESTMODEL_CACHE", ROOT / ".cache" / "testmodels"))
MODES = ("int8", "int16x8", "float32")


@dataclass(frozen=True)
class Case:
    """A per-op test case. ``build(tf)`` returns a Keras model with a fixed batch of 1; ``inputs`` are
    the float input shapes (without batch) used for the representative dataset; ``low``/``high`` bound
    the representative data."""

    name: str
    build: Callable[[Any], Any]
    inputs: tuple[tuple[int, ...], ...]
    params: dict = field(default_factory=dict)
    low: float = -1.0
    high: float = 1.0
    version: int = 1  # bump to invalidate the cache when `build` changes meaning

    def key(self, mode: str) -> str:
        spec = json.dumps({"name": self.name, "params": self.params, "inputs": self.inputs, "mode": mode,
                           "low": self.low, "high": self.high, "v": self.version}, sort_keys=True, default=str)
        return hashlib.sha256(spec.encode()).hexdigest()[:16]


def _tf():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    import tensorflow as tf
    tf.get_logger().setLevel("ERROR")
    return tf



def integer_only(conv: Any, mode: str, representative: Callable) -> None:
    """The converter set for full-integer quantisation in `mode` (int8, or int16x8) with integer I/O."""
    tf = _tf()
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    if mode == "int8":
        conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int8
    else:
        conv.target_spec.supported_ops = [tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
        conv.inference_input_type = conv.inference_output_type = tf.int16


def store(path: Path, key: str, data: bytes) -> bytes:
    """`data` written to the cache file `path` atomically (a per-key temporary name, then a rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{key}.tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data

def convert(case: Case, mode: str = "int8", seed: int = 0) -> bytes:
    """The case's model as .tflite bytes (cached)."""
    return convert_with(case, mode, seed)


def convert_with(case: Case, mode: str = "int8", seed: int = 0, **converter_attrs: Any) -> bytes:
    """Like :func:`convert`, with extra ``TFLiteConverter`` attributes set before converting, e.g.
    ``_experimental_disable_per_channel=True`` (per-tensor conv weights) or
    ``_experimental_disable_per_channel_quantization_for_dense_layers=True`` (per-tensor FC)."""
    return _convert(case, mode, seed, "quantised", converter_attrs)


def convert_float_io(case: Case, mode: str = "int8", seed: int = 0) -> bytes:
    """The case quantised to `mode` but with float32 model inputs and outputs, as models deployed with
    float I/O are: the converter puts a QUANTIZE after each input and a DEQUANTIZE before each output."""
    return _convert(case, mode, seed, "float", {})


def convert_uint8_io(case: Case, seed: int = 0) -> bytes:
    """The case quantised to int8 with uint8 model inputs and outputs (``inference_input_type=tf.uint8``,
    as older camera and image models ship): a QUANTIZE uint8 -> int8 after each input and int8 -> uint8
    before each output."""
    return _convert(case, "int8", seed, "uint8", {})


def _convert(case: Case, mode: str, seed: int, io: str, converter_attrs: dict[str, Any]) -> bytes:
    """`io`: "quantised" (the mode's integer type), "float" or "uint8" model inputs and outputs."""
    if mode not in MODES:
        raise ValueError(mode)
    tf = _tf()
    key = case.key(mode)
    if converter_attrs:
        extra = json.dumps(converter_attrs, sort_keys=True, default=str)
        key = hashlib.sha256((key + extra).encode()).hexdigest()[:16]
    if io != "quantised" and mode != "float32":
        key = hashlib.sha256((key + f"{io}_io").encode()).hexdigest()[:16]
    path = CACHE / f"{case.name}.{mode}.{key}.tf{tf.__version__}.tflite"
    if path.is_file():
        return path.read_bytes()
    tf.keras.utils.set_random_seed(seed)
    model = case.build(tf)
    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    for attr, value in converter_attrs.items():
        setattr(conv, attr, value)
    if mode != "float32":
        rng = np.random.default_rng(seed)

        # The converter orders a multi-input model's inputs as it likes (measured: keras_tensor_13
        # before keras_tensor_12), so samples are keyed by the signature's input names, not by position.
        names = [t.name for t in model.inputs]

        def representative():
            for _ in range(32):
                yield {n: rng.uniform(case.low, case.high, (1, *s)).astype(np.float32)
                       for n, s in zip(names, case.inputs, strict=True)}

        conv.optimizations = [tf.lite.Optimize.DEFAULT]
        conv.representative_dataset = representative
        if mode == "int8":
            conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
            io_type = tf.int8
        else:
            conv.target_spec.supported_ops = [
                tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
            io_type = tf.int16
        if io == "uint8":
            io_type = tf.uint8
        if io != "float":
            conv.inference_input_type = io_type
            conv.inference_output_type = io_type
    data = conv.convert()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return data
