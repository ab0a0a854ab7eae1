"""The float reference of a built model: which one (sidecar, or a float32 .tflite itself), the runners
(ONNX Runtime, TensorFlow Lite's interpreter), and a reference that changed or vanished recorded as
the reason there are no metrics, never a failed validation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from codegen.floatref import FloatReport, OnnxRunner, TfliteRunner, float_check, float_markdown, reference_for
from support import onnxmodels


@dataclass(frozen=True)
class _DT:
    name: str


@dataclass(frozen=True)
class _T:                       # the fields of an IOTensor that the float check reads
    name: str
    dtype: _DT
    shape: tuple
    scale: float = 0.0
    zero_point: int = 0


@pytest.fixture(scope="module")
def mlp(tmp_path_factory):
    work = tmp_path_factory.mktemp("floatref")
    return onnxmodels.quantized("mlp", onnxmodels.mlp(opset=13), (20,), work)


def test_runners_agree_on_the_float_model(mlp):
    x = onnxmodels.data((20,), 3)
    onnx_out = [OnnxRunner(mlp.onnx).run([xi[None]])[0] for xi in x]
    tfl = TfliteRunner(mlp.float_tflite)
    assert tfl.runtime.startswith("TensorFlow Lite")
    for xi, want in zip(x, onnx_out):
        np.testing.assert_allclose(tfl.run([xi[None]])[0], want, atol=1e-5)


def test_which_reference(mlp, tmp_path):
    assert reference_for(mlp.tflite, float_io=False).format == "onnx"          # the sidecar's
    alone = tmp_path / "alone_f32.tflite"
    alone.write_bytes(mlp.float_tflite.read_bytes())
    ref = reference_for(alone, float_io=True)                                   # no sidecar: itself
    assert ref.format == "tflite" and ref.path == alone.resolve()
    plain = tmp_path / "plain_int8.tflite"
    plain.write_bytes(mlp.tflite.read_bytes())
    assert reference_for(plain, float_io=False) is None


def test_float_check_follows_samples_and_records_a_changed_reference(mlp, tmp_path):
    f32 = _DT("FLOAT32")
    ins, outs = (_T("x", f32, (1, 20)),), (_T("y", f32, (1, 5)),)
    check = float_check(mlp.float_tflite, ins, outs, mlp.test)
    assert check is not None and check.error is None
    x = np.load(mlp.test)["x"]
    ort = OnnxRunner(mlp.onnx)
    for i in range(4):
        want = ort.run([x[i][None]])[0]
        check.add(i, (x[i][None],), [want + 0.01])          # a device 0.01 off everywhere
    rep = check.report()
    (o,) = rep.outputs
    assert o.name == "y" and o.metrics.samples == 4 and o.metrics.rmse == pytest.approx(0.01, rel=1e-4)
    assert FloatReport.from_json(rep.as_json()) == rep
    assert "| y | 0.01 |" in "\n".join(float_markdown(rep))
    mlp.onnx.write_bytes(onnxmodels.mlp(opset=13, seed=99).SerializeToString())     # retrained, not requantised
    changed = float_check(mlp.float_tflite, ins, outs, mlp.test)
    assert "changed since the model was quantised" in changed.error and changed.report().outputs == ()
    mlp.onnx.unlink()
    assert "is gone" in float_check(mlp.float_tflite, ins, outs, mlp.test).error
