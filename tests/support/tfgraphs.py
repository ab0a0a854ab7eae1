"""Test models written as a ``tf.Module`` with a ``tf.function`` (control flow: ``tf.cond`` becomes IF,
``tf.while_loop`` becomes WHILE), converted from the concrete function and cached like
:func:`support.tfmodels.convert`.

Inputs are declared as (shape, dtype) pairs (batch included): float32 inputs take the representative
data in [low, high]; bool and int32 inputs take random values of their type (the converter leaves
them as they are in every mode).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Callable

import numpy as np

from support.tfmodels import CACHE, MODES, integer_only, store, _tf

Input = tuple[tuple[int, ...], str]  # shape (with batch), numpy dtype name


def convert_module(name: str, build: Callable[[Any], Any], inputs: tuple[Input, ...], mode: str,
                   low: float = -1.0, high: float = 1.0, seed: int = 0, custom_ops: bool = False,
                   **params: Any) -> bytes:
    """`build(tf)` returns a tf.Module whose ``__call__`` is a tf.function with an input signature
    matching `inputs`. `params` must describe `build` completely: with the name they key the cache.
    `custom_ops`: let the converter emit custom operators (``experimental_implements`` functions
    such as TFLite_Detection_PostProcess)."""
    if mode not in MODES:
        raise ValueError(mode)
    tf = _tf()
    spec = json.dumps({"name": name, "params": params, "inputs": inputs, "mode": mode, "low": low,
                       "high": high, "module": 1, "custom": custom_ops}, sort_keys=True, default=str)
    key = hashlib.sha256(spec.encode()).hexdigest()[:16]
    path = CACHE / f"{name}.{mode}.{key}.tf{tf.__version__}.tflite"
    if path.is_file():
        return path.read_bytes()
    tf.keras.utils.set_random_seed(seed)
    module = build(tf)
    concrete = module.__call__.get_concrete_function()
    conv = tf.lite.TFLiteConverter.from_concrete_functions([concrete], module)
    names = [t.name.split(":")[0] for t in concrete.inputs[:len(inputs)]]  # the signature's argument names
    conv.allow_custom_ops = custom_ops
    if mode != "float32":
        rng = np.random.default_rng(seed)

        def sample(shape: tuple[int, ...], dtype: str) -> np.ndarray:
            if dtype == "float32":
                return rng.uniform(low, high, shape).astype(np.float32)
            if dtype == "bool":
                return rng.integers(0, 2, shape).astype(np.bool_)
            return rng.integers(-8, 8, shape).astype(dtype)

        def representative():  # keyed by name: the model may order its inputs differently
            for _ in range(32):
                yield {n: sample(s, d) for n, (s, d) in zip(names, inputs)}

        integer_only(conv, mode, representative)
    return store(path, key, conv.convert())
