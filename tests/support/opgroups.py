"""The operator tests' group models: one model per family of operators holding every operator of the
family side by side, written directly as flatbuffers (no TensorFlow), with the inputs those tests
run them on. The fuzzer (tests/codegen/test_wellformed_fuzz.py) mutates them and the sanitizer test
(tests/codegen/test_host_sanitizers.py) runs their host kernels, so both reach every operator the
operator tests reach, from the same models (loaded from those tests, not copied).

A group's ``inputs(n)`` gives `n` input sets on which TFLM's results are defined and the operator
test compares them (None: random inputs over each input's whole range); ``stateful`` groups keep
state from invoke to invoke (run their sets in order, on one instance)."""

from __future__ import annotations

import importlib.util
import sys
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from types import ModuleType
from typing import Callable

import numpy as np

from support.paths import ROOT

OPS_TESTS = ROOT / "tests" / "codegen" / "ops"


@dataclass(frozen=True)
class Group:
    name: str
    model: Callable[[], bytes]
    inputs: Callable[[int], list[list[np.ndarray]]] | None = None
    stateful: bool = False
    comparable: bool = True  # TFLM's outputs are defined from the first invoke on


@lru_cache(maxsize=None)
def _test_module(name: str) -> ModuleType:
    """An operator test module, by file (pytest imports test files by path, not as a package)."""
    key = f"_mcuforge_opgroups_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, OPS_TESTS / f"{name}.py")
    assert spec is not None and spec.loader is not None, name
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module
    spec.loader.exec_module(module)
    return module


def _elementwise(which: str) -> Callable[[], bytes]:
    return lambda: getattr(_test_module("test_elementwise_on_cortex_m4"), f"{which}_graph")()


def _elementwise_inputs(which: str) -> Callable[[int], list[list[np.ndarray]]]:
    return lambda n: getattr(_test_module("test_elementwise_on_cortex_m4"), f"{which}_inputs")(n)


def _ops_b() -> bytes:
    return _test_module("test_ops_b_on_cortex_m4").group_model()[0]


def _streaming() -> bytes:
    return _test_module("test_svdf").streaming_group()


def _lstm_pair() -> bytes:
    from support.tflite_graph import GraphBuilder
    add_lstm = _test_module("test_lstm").add_lstm
    g = GraphBuilder("lstm int16x8 and float32")
    a_in, a_out = add_lstm(g, "int16", batches=2)
    b_in, b_out = add_lstm(g, "float32", frames=4, features=3, units=5, seed=1)
    return g.build([a_in, b_in], [a_out, b_out])


GROUPS = (
    # ops-a: unary math, comparisons, logic, int32/int64 arithmetic, casts, fills (two models)
    Group("ops_a_float32", _elementwise("float"), _elementwise_inputs("float")),
    Group("ops_a_integer", _elementwise("int"), _elementwise_inputs("int")),
    # ops-b: reductions, re-layouts, gathers, resizes, L2, BATCH_MATMUL, TRANSPOSE_CONV (int8, int16, float32)
    Group("ops_b", _ops_b),
    # ops-c: CIRCULAR_BUFFER (its window starts as TFLM's uninitialised arena), SVDF int8 and float32
    Group("ops_c_streaming", _streaming, stateful=True, comparable=False),
    # ops-c: UNIDIRECTIONAL_SEQUENCE_LSTM int16x8 and float32
    Group("ops_c_lstm", _lstm_pair, stateful=True),
)


def write_groups(directory: Path) -> dict[str, Path]:
    """Every group model written as `<name>.tflite` under `directory`."""
    directory.mkdir(parents=True, exist_ok=True)
    out = {}
    for g in GROUPS:
        path = directory / f"{g.name}.tflite"
        path.write_bytes(g.model())
        out[g.name] = path
    return out
