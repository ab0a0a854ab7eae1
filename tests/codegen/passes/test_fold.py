"""Constant folding, on the MLPerf Tiny anomaly-detection model: its Keras batch=None export computes
the final RESHAPE's shape at run time with SHAPE -> STRIDED_SLICE -> PACK. Those must fold away at
build time (no kernel for them in the generated code) and the model must stay bit-exact with TFLM."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from codegen.generate import GenerateOptions, compile_model
from codegen.passes import run_passes
from codegen.tflite import read_model
from support.compare import compare_bytes

FOLDED = ("SHAPE", "STRIDED_SLICE", "PACK")


@pytest.fixture(scope="module")
def anomaly(shared_models):
    return shared_models / "anomaly_detection.tflite"


def test_anomaly_detection_shape_ops_fold_away(anomaly):
    graph = read_model(anomaly)
    assert {op.opcode for op in graph.main.operators} >= set(FOLDED)
    compiled = compile_model(graph, options=GenerateOptions(prefix="ad"))
    opcodes = [s.opcode for s in compiled.steps]
    assert not set(FOLDED) & set(opcodes), opcodes
    assert not set(FOLDED) & set(compiled.ops_used)
    assert opcodes.count("FULLY_CONNECTED") == 10
    # the last RESHAPE's shape became the constant the PACK would have built
    sg = run_passes(graph).main
    reshape = [op for op in sg.operators if op.opcode == "RESHAPE"][-1]
    shape_t = sg.tensors[reshape.inputs[1]]
    assert shape_t.is_const and shape_t.data.tolist() == [1, 5, 128, 1]


def test_anomaly_detection_bit_exact(anomaly):
    r = compare_bytes(anomaly.read_bytes(), "anomaly_detection", samples=5)
    assert r.exact, r


def test_folded_scalar_keeps_its_shape(anomaly):
    """STRIDED_SLICE with shrink_axis folds to a rank-0 constant (not shape (1,)), so PACK can stack it."""
    from codegen.passes.fold import fold_constants
    from codegen.passes import PassOptions
    graph = read_model(anomaly)
    sg = fold_constants(graph, PassOptions()).main
    ss = [t for t in sg.tensors if t.is_const and t.shape == () and t.dtype.name == "INT32"]
    assert ss and all(np.asarray(t.data).shape == () for t in ss)


def test_shape_with_dynamic_inner_dim_not_folded(anomaly):
    """A dynamic dimension beyond the batch makes SHAPE's value unknown at build time: not folded."""
    graph = read_model(anomaly)
    sg = graph.main
    shape_op = next(op for op in sg.operators if op.opcode == "SHAPE")
    t = sg.tensors[shape_op.inputs[0]]
    tensors = list(sg.tensors)
    tensors[t.index] = replace(t, shape_signature=(1, -1))
    graph = graph.with_subgraph(replace(sg, tensors=tuple(tensors)))
    from codegen.passes.fold import fold_constants
    from codegen.passes import PassOptions
    kept = [op.opcode for op in fold_constants(graph, PassOptions()).main.operators]
    assert "SHAPE" in kept
