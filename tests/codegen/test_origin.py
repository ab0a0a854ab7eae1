"""The sidecar <stem>.source.json: layouts (NCHW data moved to the .tflite's NHWC and back), the
float reference, paths relative to the sidecar, and a sidecar beside another model refused."""

from __future__ import annotations

import json

import numpy as np
import pytest

from codegen.errors import McuforgeError
from codegen.origin import FloatReference, Origin, TensorLayout, origin_file, read_origin, sha256_of, write_origin


def test_layout_moves_samples_both_ways():
    lay = TensorLayout("x", (1, 3, 4, 5), (0, 2, 3, 1))
    assert lay.model_shape == (1, 4, 5, 3) and lay.layout == "NCHW -> NHWC" and not lay.identity
    x = np.arange(2 * 3 * 4 * 5).reshape(2, 3, 4, 5)
    m = lay.to_model(x)
    assert m.shape == (2, 4, 5, 3) and m[1, 2, 3, 0] == x[1, 0, 2, 3]
    assert np.array_equal(lay.to_source(m), x)
    assert lay.to_model(x.reshape(2, -1)).shape == (2, 4, 5, 3)          # flat samples are fine
    ncw = TensorLayout("s", (1, 3, 7), (0, 2, 1))
    assert ncw.layout == "NCW -> NWC" and ncw.to_model(np.zeros((4, 3, 7))).shape == (4, 7, 3)
    same = TensorLayout("v", (1, 20), (0, 1))
    assert same.identity and same.layout == ""
    with pytest.raises(McuforgeError, match=r"does not split into samples of shape \(3, 4, 5\)") as e:
        lay.to_model(np.zeros((2, 7)))
    assert "(N, 3, 4, 5)" in e.value.hint


def test_round_trip_relative_paths_and_stale_sidecar(tmp_path):
    model = tmp_path / "out" / "m_int8.tflite"
    model.parent.mkdir()
    model.write_bytes(b"model bytes")
    src = tmp_path / "m.onnx"
    src.write_bytes(b"onnx bytes")
    o = Origin(model_sha256=sha256_of(model), source=src, source_kind="ONNX model", converter="onnx2tf",
               inputs=(TensorLayout("x", (1, 3, 8, 8), (0, 2, 3, 1)),), outputs=(TensorLayout("y", (1, 10), (0, 1)),),
               float_reference=FloatReference.of(src, "onnx"))
    path = write_origin(model, o)
    assert path == origin_file(model) == tmp_path / "out" / "m_int8.source.json"
    d = json.loads(path.read_text())
    assert d["source"] == "../m.onnx" and d["float_reference"]["path"] == "../m.onnx"
    assert d["inputs"][0]["layout"] == "NCHW -> NHWC"
    back = read_origin(model)
    assert back == Origin(**{**o.__dict__, "source": src.resolve(),
                             "float_reference": FloatReference(src.resolve(), "onnx", sha256_of(src))})
    model.write_bytes(b"another model")
    with pytest.raises(McuforgeError, match="describes another model") as e:
        read_origin(model)
    assert "quantise again" in e.value.hint
    assert read_origin(tmp_path / "nothing.tflite") is None
    path.write_text("{not json")
    with pytest.raises(McuforgeError, match="not a readable mcuforge sidecar"):
        read_origin(model)
