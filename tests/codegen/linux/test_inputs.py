"""The inputs of `bench` and the comparison of a runtime's outputs with TFLM's: exact samples, real
differences (a float model against the quantised one), top-1; ONNX layouts read from the model when
there is no sidecar."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from codegen.linux.inputs import agreement, onnx_layouts
from codegen.linux.records import Agreement
from support import onnxmodels
from support.firmware import built


@pytest.fixture(scope="module")
def onnx_cnn(tmp_path_factory):
    return onnxmodels.quantized("cnn", onnxmodels.cnn(13), (3, 8, 8), tmp_path_factory.mktemp("inputs-onnx"))


def test_onnx_layouts_from_the_shapes_without_a_sidecar(onnx_cnn, tmp_path):
    bare = tmp_path / "cnn_int8.tflite"
    shutil.copy(onnx_cnn.tflite, bare)     # no sidecar beside this copy
    project, _ = built("x86_64", bare, root=tmp_path / "build")
    ins, outs = onnx_layouts(onnx_cnn.onnx, project)
    assert ins[0].source_shape == (1, 3, 8, 8) and ins[0].perm == (0, 2, 3, 1) and outs[0].identity


def test_agreement_counts_exact_samples_and_real_differences():
    from codegen.ir import DType
    from codegen.lowering import IOTensor
    t = IOTensor(name="y", tensor=0, dtype=DType.INT8, shape=(1, 3), nbytes=3, scale=0.5, zero_point=0, offset=0)
    want = [[np.array([[1, 2, 3]], np.int8)], [np.array([[4, 5, 6]], np.int8)]]
    same = agreement(want, want, [t])
    assert same == Agreement(samples=2, exact_samples=2, max_abs_diff=0.0, top1_agree=2) and same.bit_exact
    off = agreement([[np.array([[1, 2, 3]], np.int8)], [np.array([[4, 7, 6]], np.int8)]], want, [t])
    assert off.exact_samples == 1 and off.max_abs_diff == 1.0 and off.top1_agree == 1 and not off.bit_exact
    floats = agreement([[np.array([[0.5, 1.0, 1.5]], np.float32)]] * 2, want, [t])
    assert floats.exact_samples == 0 and floats.max_abs_diff == pytest.approx(1.5)
