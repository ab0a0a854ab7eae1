"""Test models for single TensorFlow ops and for stateful (resource-variable) modules, plus small
quantisation edits of converted models.

* :func:`lambda_case`: a :class:`~support.tfmodels.Case` whose Keras model applies one TensorFlow
  expression ``fn(tf, *inputs)`` (pad, slice, transpose, ...) to its inputs.
* :func:`convert_stateful`: a ``tf.Module`` with ``tf.Variable`` state, converted with resource
  variables enabled (and, for int8/int16x8, the variables quantised too), cached like
  :func:`support.tfmodels.convert`.
* :func:`set_quant`: change one tensor's quantisation in a converted model (cases the converter
  never emits: concatenation inputs quantised differently, MEAN with equal in/out quantisation).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

import flatbuffers
import numpy as np

from codegen.tflite.schema import fb
from support.tfmodels import CACHE, MODES, integer_only, store, Case, _tf


def lambda_case(name: str, fn: Callable[..., Any], shapes: tuple[tuple[int, ...], ...], low: float = -1.0,
                high: float = 1.0, **params: Any) -> Case:
    """`fn(tf, *inputs)` as a Keras model with batch-1 inputs of `shapes`. `params` must describe `fn`
    completely: with the name they key the converted-model cache."""

    def build(tf):
        ins = [tf.keras.Input(s, batch_size=1) for s in shapes]
        layer = tf.keras.layers.Lambda(lambda xs: fn(tf, *xs) if len(shapes) > 1 else fn(tf, xs))
        return tf.keras.Model(ins, layer(ins if len(shapes) > 1 else ins[0]))

    return Case(name, build, tuple(shapes), params=params, low=low, high=high)


def convert_stateful(name: str, build: Callable[[Any], Any], shapes: tuple[tuple[int, ...], ...], mode: str,
                     low: float = -1.0, high: float = 1.0, seed: int = 0, quantize_variables: bool = True,
                     **params: Any) -> bytes:
    """`build(tf)` returns a tf.Module whose ``__call__`` is a tf.function with an input signature and
    whose state lives in tf.Variables; converted with ``experimental_enable_resource_variables`` (and,
    for int8/int16x8 with `quantize_variables`, ``_experimental_variable_quantization`` so the state is
    quantised too; without it the variables stay float32 between DEQUANTIZE and QUANTIZE ops)."""
    if mode not in MODES:
        raise ValueError(mode)
    tf = _tf()
    spec = json.dumps({"name": name, "params": params, "shapes": shapes, "mode": mode, "low": low,
                       "high": high, "stateful": 1, "qvars": quantize_variables}, sort_keys=True, default=str)
    key = hashlib.sha256(spec.encode()).hexdigest()[:16]
    path = CACHE / f"{name}.{mode}.{key}.tf{tf.__version__}.tflite"
    if path.is_file():
        return path.read_bytes()
    tf.keras.utils.set_random_seed(seed)
    module = build(tf)
    conv = tf.lite.TFLiteConverter.from_concrete_functions([module.__call__.get_concrete_function()], module)
    conv.experimental_enable_resource_variables = True
    if mode != "float32":
        rng = np.random.default_rng(seed)

        def representative():
            for _ in range(32):
                yield [rng.uniform(low, high, (1, *s)).astype(np.float32) for s in shapes]

        conv._experimental_variable_quantization = quantize_variables
        integer_only(conv, mode, representative)
    return store(path, key, conv.convert())


def set_quant(model: bytes, tensor: int, scale: float, zero_point: int, subgraph: int = 0) -> bytes:
    """The model with tensor `tensor`'s (per-tensor) quantisation replaced."""
    m = fb.ModelT.InitFromPackedBuf(model, 0)
    q = m.subgraphs[subgraph].tensors[tensor].quantization
    q.scale = np.array([scale], dtype=np.float32)
    q.zeroPoint = np.array([zero_point], dtype=np.int64)
    b = flatbuffers.Builder(len(model) + 1024)
    b.Finish(m.Pack(b), file_identifier=b"TFL3")
    return bytes(b.Output())
