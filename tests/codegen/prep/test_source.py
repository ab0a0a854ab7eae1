"""What a model file is, from its bytes (no TensorFlow), and why a .tflite is not quantised again;
the per-tensor ranges read back from a .tflite."""

from __future__ import annotations

import zipfile

import numpy as np
import pytest

from codegen.errors import McuforgeError
from codegen.prep.ranges import common_scope, model_stats, short_name, tensor_ranges
from codegen.prep.source import Kind, InputSpec, detect, fixed_shape, refuse_tflite
from codegen.tflite import read_model
from support.paths import DEFAULT_MODEL, SHARED_MODELS


def test_detect_kinds(tmp_path):
    (tmp_path / "m.h5").write_bytes(b"\x89HDF\r\n\x1a\n" + b"\0" * 32)
    with zipfile.ZipFile(tmp_path / "m.keras", "w") as z:
        z.writestr("config.json", "{}")
    (tmp_path / "sm").mkdir()
    (tmp_path / "sm" / "saved_model.pb").write_bytes(b"")
    assert detect(tmp_path / "m.h5").kind == Kind.H5
    assert detect(tmp_path / "m.keras").kind == Kind.KERAS
    assert detect(tmp_path / "sm").kind == Kind.SAVED_MODEL
    assert detect(DEFAULT_MODEL).kind == Kind.TFLITE


@pytest.mark.parametrize("make,match", [
    (lambda p: p / "missing.keras", "model not found"),
    (lambda p: (p / "junk.keras").write_bytes(b"hello, not a model") and p / "junk.keras", "not a model TensorFlow can read"),
    (lambda p: (p / "empty.h5").write_bytes(b"") is not None and p / "empty.h5", "empty file"),
    (lambda p: p, "not a SavedModel"),
    (lambda p: DEFAULT_MODEL.with_suffix(".samples.npz"), "zip file but not a Keras model"),
])
def test_detect_refuses_what_is_not_a_model(tmp_path, make, match):
    with pytest.raises(McuforgeError, match=match) as e:
        detect(make(tmp_path))
    assert e.value.hint


def test_float_tflite_is_refused_with_the_way_to_its_source():
    err = refuse_tflite(detect(SHARED_MODELS / "image_example1.float32.tflite"))
    assert "float32 .tflite" in err.message and "source model" in err.message
    assert "model.save('model.keras')" in err.hint and "runs as it is" in err.hint


def test_quantised_tflite_is_refused_as_nothing_to_do():
    err = refuse_tflite(detect(DEFAULT_MODEL))
    assert "already quantised (int8 activations)" in err.message and "scons model=" in err.hint


@pytest.mark.parametrize("shape,override,want", [
    ((None, 8, 8, 1), None, (1, 8, 8, 1)),
    ((1, 8, 8, 1), None, (1, 8, 8, 1)),
    ((None, None, 40), (1, 49, 40), (1, 49, 40)),
    ((None, None, 40), (49, 40), (1, 49, 40)),       # batch may be left out
])
def test_fixed_shape(shape, override, want):
    assert fixed_shape(InputSpec("x", shape, "float32"), override)[0] == want


@pytest.mark.parametrize("shape,override,match,fix", [
    ((None, None, 40), None, r"dynamic dimensions \(None, None, 40\)", "--input-shape 1,N,40"),
    ((None, 49, 40), (1, 50, 40), "contradicts the model input", "only dynamic"),
    ((None, 49, 40), (1, 1, 49, 40), "has 4 dimensions", "one size per dimension"),
    ((None, 49, 40), (1, 0, 40), "must be positive", "deployed shape"),
])
def test_fixed_shape_refusals(shape, override, match, fix):
    with pytest.raises(McuforgeError, match=match) as e:
        fixed_shape(InputSpec("x", shape, "float32"), override)
    assert fix in e.value.hint


def test_ranges_of_the_default_model():
    g = read_model(DEFAULT_MODEL)
    ranges = {r.index: r for r in tensor_ranges(g)}
    inp = ranges[g.main.inputs[0]]
    assert inp.role == "input" and inp.dtype == "int8" and inp.channels == 1
    # input scale 1/255, zero point -128: represents [0, 1]
    assert inp.real_min == pytest.approx(0.0) and inp.real_max == pytest.approx(1.0, abs=1e-6)
    weights = [r for r in ranges.values() if r.role == "weights"]
    assert weights and all(r.channels > 1 and r.zero_point == 0 and r.zeros is not None for r in weights)
    for r in weights:  # the stored values lie inside what the scales represent
        assert r.real_min <= r.value_min <= r.value_max <= r.real_max
    assert {r.role for r in ranges.values()} >= {"input", "output", "weights", "bias", "activation"}
    st = model_stats(DEFAULT_MODEL.read_bytes(), g)
    assert st.file_bytes == DEFAULT_MODEL.stat().st_size and 0 < st.deflated_bytes < st.file_bytes
    assert st.kernel_params == sum(np.prod(r.shape) for r in weights) and st.activation_types == ("int8",)


def test_names_for_the_table():
    assert common_scope(["m_fixed/m/conv/Relu", "m_fixed/m/dense/MatMul;m_fixed/m/dense/BiasAdd", "x:0"]) == "m_fixed/m/"
    assert short_name("a/" * 40 + "end", 20).startswith("…") and len(short_name("a/" * 40 + "end", 20)) == 20
